import { join } from 'node:path';
import { reservePort } from '../process/free-port.ts';
import { HealthzComponent } from './healthz-component.ts';

export interface SchedulerOptions {
  binary: string;
  dir: string;
  kubeconfig: string;
}

/** kube-scheduler with its default profile, no leader election, /healthz on a loopback port. */
export async function startScheduler(o: SchedulerOptions): Promise<HealthzComponent> {
  const port = await reservePort();
  return HealthzComponent.start({
    component: 'kube-scheduler',
    binary: o.binary,
    args: [
      `--kubeconfig=${o.kubeconfig}`,
      `--authentication-kubeconfig=${o.kubeconfig}`,
      `--authorization-kubeconfig=${o.kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port.port}`,
      `--cert-dir=${join(o.dir, 'kube-scheduler-certs')}`,
      '--leader-elect=false',
      '--v=1',
    ],
    logFile: join(o.dir, 'kube-scheduler.log'),
    healthzUrl: `https://127.0.0.1:${port.port}/healthz`,
    ports: [port],
  });
}
