/**
 * Flags of a v1alpha2 process (sidecar or controller): both are controller-runtime managers. Each gets its own
 * 127.0.0.1 health port (the default, :8081 on every interface, collides) and, when given, plain-HTTP metrics.
 */
export function managerFlags(kubeconfigPath: string, healthPort?: number, metricsPort?: number): string[] {
  return [
    `--kubeconfig=${kubeconfigPath}`,
    `--health-probe-bind-address=127.0.0.1:${healthPort ?? 0}`,
    metricsPort ? `--metrics-bind-address=127.0.0.1:${metricsPort}` : '--metrics-bind-address=0',
    '--metrics-secure=false',
  ];
}
