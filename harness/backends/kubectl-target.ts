/** Which cluster a kubectl command talks to: always an explicit kubeconfig file, never the user's default. */
export interface KubectlTarget {
  kubeconfig: string;
  context?: string;
}

/** kubectl argv for `target`: global flags first, so the recorded commands read the same in every test. */
export function kubectlArgs(target: KubectlTarget, ...args: string[]): string[] {
  return [
    '--kubeconfig',
    target.kubeconfig,
    ...(target.context ? ['--context', target.context] : []),
    ...args,
  ];
}
