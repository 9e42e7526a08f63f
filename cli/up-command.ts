import { readFile } from 'node:fs/promises';
import { BUILTIN_VARIANTS, LiveStack, type SidecarVariant, type StackState } from '../harness/index.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { variantsFromFlags } from './run-command.ts';

export interface UpFlags {
  sidecar?: string[];
  era?: string;
  rules?: string;
  dir: string;
  driverName?: string;
}

/** --sidecar may be given several times (each an era, a variant or a path); none means every built-in variant. */
export function upVariants(flags: UpFlags): SidecarVariant[] {
  if (!flags.sidecar?.length) return BUILTIN_VARIANTS;
  return variantsFromFlags(flags.sidecar, flags.era);
}

/** What a person needs to use the stack, as `up` prints it. */
export function describeStack(state: StackState, readySeconds: number): string {
  const lines = [`cosi-chaos stack up in ${readySeconds.toFixed(1)} s (state: ${state.dir}/stack.json)`, ''];
  for (const p of state.planes) {
    lines.push(`${p.era} control plane (${p.variants.map((v) => v.name).join(', ')}): ${p.server}`);
    lines.push(`  export KUBECONFIG=${p.kubeconfig}`);
    lines.push(`  logs: ${p.logDir}  (sidecars run in namespace ${p.sidecarNamespace})`);
    for (const v of p.variants) {
      lines.push(`  ${v.name}: driver ${v.driverName}, admin ${v.adminUrl}`);
      lines.push(`    BucketClass ${v.bucketClass}, BucketAccessClass ${v.bucketAccessClass}`);
      lines.push(`    sidecar log ${v.sidecarLog}`);
    }
    lines.push('');
  }
  lines.push(`rules for every driver (edit; applied on save): ${state.rulesFile}`);
  lines.push(`attach a run: cosi-chaos run --attach ${state.dir} scenarios/cosi-86.yaml`);
  lines.push(`watch the attempts: cosi-chaos watch ${state.dir}`);
  lines.push('Ctrl-C stops everything.');
  return lines.join('\n');
}

/** `cosi-chaos up`: starts the stack, prints how to use it, and stays until Ctrl-C or SIGTERM. */
export async function upCommand(flags: UpFlags, log: (line: string) => void): Promise<number> {
  const variants = upVariants(flags);
  if (flags.driverName !== undefined && variants.length !== 1)
    throw new UsageError(
      `--driver-name names one driver: choose one variant with --sidecar (not ${variants.length})`,
    );
  let rulesText: string | undefined;
  if (flags.rules !== undefined) {
    rulesText = await readFile(flags.rules, 'utf8').catch(() => {
      throw new UsageError(`--rules ${flags.rules}: cannot read the file`);
    });
  }
  const started = Date.now();
  const stack = await LiveStack.start({
    variants,
    dir: flags.dir,
    rulesText,
    ...(flags.driverName ? { driverName: flags.driverName } : {}),
    progress: (d) => log(`  ${d}`),
    onRulesProblem: (m) => log(`rules not applied, the drivers keep the previous ones: ${m}`),
    onRulesApplied: () => log(`rules applied from ${stack.state.rulesFile}`),
  });
  log(describeStack(stack.state, (Date.now() - started) / 1000));
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  log('stopping the stack');
  await stack.stop();
  return EXIT.ok;
}
