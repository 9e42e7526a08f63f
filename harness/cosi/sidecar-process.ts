import { join } from 'node:path';
import { ManagedProcess } from '../process/managed-process.ts';
import type { Era } from '../results/run-results.ts';
import { managerFlags } from './manager-flags.ts';

/** The environment variable a patched sidecar divides its bounded-retry waits by (patches/tiered-fix.patch). */
export const TIME_SCALE_ENV = 'COSI_CHAOS_TIME_SCALE';

export interface SidecarStartOptions {
  /** Variant name, used for the component and log file names. */
  variant: string;
  era: Era;
  binary: string;
  kubeconfigPath: string;
  /** Mock driver's unix socket path. */
  driverSocket: string;
  /** Namespace of its leader-election Lease (env POD_NAMESPACE, as in a pod). */
  namespace: string;
  logDir: string;
  /** v1alpha2 only: its own 127.0.0.1 port for --health-probe-bind-address (default :8081 collides). */
  healthPort?: number;
  /** v1alpha2 only: its own 127.0.0.1 port for plain-HTTP metrics (off when unset). */
  metricsPort?: number;
  /** SidecarVariant.timeScale: passed as TIME_SCALE_ENV; unset, the sidecar runs in real time. */
  timeScale?: number;
}

/** Command line and environment for a sidecar of the given era, as it would run in the driver's pod. */
export function sidecarCommand(opts: SidecarStartOptions): { args: string[]; env: Record<string, string> } {
  // Always set, so a value in the harness's own environment never compresses a run its results call real time.
  const scale = { [TIME_SCALE_ENV]: String(opts.timeScale ?? 1) };
  if (opts.era === 'v1alpha1') {
    return {
      args: [`--kubeconfig=${opts.kubeconfigPath}`, `--driver-addr=unix://${opts.driverSocket}`, '--v=5'],
      env: { POD_NAMESPACE: opts.namespace, KUBECONFIG: opts.kubeconfigPath, ...scale },
    };
  }
  return {
    args: managerFlags(opts.kubeconfigPath, opts.healthPort, opts.metricsPort),
    env: {
      COSI_ENDPOINT: `unix://${opts.driverSocket}`,
      POD_NAMESPACE: opts.namespace,
      KUBECONFIG: opts.kubeconfigPath,
      ...scale,
    },
  };
}

/** Starts a sidecar under the watchdog; its restarts are the caller's to count. */
export function startSidecar(opts: SidecarStartOptions): ManagedProcess {
  const { args, env } = sidecarCommand(opts);
  return ManagedProcess.start({
    component: `sidecar/${opts.variant}`,
    binary: opts.binary,
    args,
    env,
    logFile: join(opts.logDir, `sidecar-${opts.variant}.log`),
  });
}
