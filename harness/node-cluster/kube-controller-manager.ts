import { join } from 'node:path';
import { reservePort } from '../process/free-port.ts';
import { HealthzComponent } from './healthz-component.ts';

export interface ControllerManagerOptions {
  binary: string;
  dir: string;
  kubeconfig: string;
  /** The API server's ServiceAccount signing key (token controller). */
  serviceAccountKeyFile: string;
  /** Published as every namespace's kube-root-ca.crt (what in-cluster clients trust). */
  rootCaFile: string;
}

/**
 * kube-controller-manager with the default controllers (deployments, replicasets, namespace, garbage collector,
 * serviceaccount, node lifecycle ...), no leader election, serving /healthz on a loopback port.
 */
export async function startControllerManager(o: ControllerManagerOptions): Promise<HealthzComponent> {
  const port = await reservePort();
  return HealthzComponent.start({
    component: 'kube-controller-manager',
    binary: o.binary,
    args: [
      `--kubeconfig=${o.kubeconfig}`,
      `--authentication-kubeconfig=${o.kubeconfig}`,
      `--authorization-kubeconfig=${o.kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port.port}`,
      `--cert-dir=${join(o.dir, 'kube-controller-manager-certs')}`,
      '--leader-elect=false',
      `--service-account-private-key-file=${o.serviceAccountKeyFile}`,
      `--root-ca-file=${o.rootCaFile}`,
      '--use-service-account-credentials=false',
      '--cluster-name=cosi-chaos',
      '--v=1',
    ],
    logFile: join(o.dir, 'kube-controller-manager.log'),
    healthzUrl: `https://127.0.0.1:${port.port}/healthz`,
    ports: [port],
  });
}
