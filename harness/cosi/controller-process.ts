import { join } from 'node:path';
import { ManagedProcess } from '../process/managed-process.ts';
import type { Era } from '../results/run-results.ts';
import { managerFlags } from './manager-flags.ts';

export interface ControllerStartOptions {
  /** Names the component and its log file ("controller-v1alpha1-cosi86"). */
  id: string;
  era: Era;
  binary: string;
  kubeconfigPath: string;
  /** Namespace of its leader-election Lease (env POD_NAMESPACE, as in a pod). */
  namespace: string;
  logDir: string;
  /** v1alpha2 only: its own 127.0.0.1 ports (the defaults, :8081 on every interface, collide with the sidecar). */
  healthPort?: number;
  metricsPort?: number;
}

/** Command line and environment of the COSI controller of an era, as its upstream Deployment runs it. */
export function controllerCommand(opts: ControllerStartOptions): {
  args: string[];
  env: Record<string, string>;
} {
  const env = { POD_NAMESPACE: opts.namespace, KUBECONFIG: opts.kubeconfigPath };
  if (opts.era === 'v1alpha1') return { args: [`--kubeconfig=${opts.kubeconfigPath}`, '--v=5'], env };
  return {
    args: managerFlags(opts.kubeconfigPath, opts.healthPort, opts.metricsPort),
    env,
  };
}

/** Starts the real controller under the watchdog (its own process group, dies with the harness). */
export function startController(opts: ControllerStartOptions): ManagedProcess {
  const { args, env } = controllerCommand(opts);
  return ManagedProcess.start({
    component: opts.id,
    binary: opts.binary,
    args,
    env,
    logFile: join(opts.logDir, `${opts.id}.log`),
  });
}
