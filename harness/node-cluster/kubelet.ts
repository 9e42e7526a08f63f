import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { reservePort } from '../process/free-port.ts';
import { HealthzComponent } from './healthz-component.ts';
import { renderKubeletConfig } from './kubelet-config.ts';

/** Where and how the kubelet runs; every path is under the cluster's own dir. */
export interface KubeletOptions {
  binary: string;
  /** The cluster's dir: --root-dir is <dir>/kubelet, logs <dir>/kubelet.log, pod logs <dir>/pod-logs. */
  dir: string;
  nodeName: string;
  nodeIp: string;
  /** Secure port; default 10250. */
  port?: number;
  kubeconfig: string;
  containerdSocket: string;
  clientCaFile: string;
}

/** The kubelet's paths the clean-up needs (mounts under rootDir, pod logs symlinked from /var/log/containers). */
export function kubeletPaths(dir: string): { rootDir: string; podLogsDir: string } {
  return { rootDir: join(dir, 'kubelet'), podLogsDir: join(dir, 'pod-logs') };
}

/** Starts the kubelet (registers its Node with the kubeconfig's identity) and waits for its /healthz. */
export async function startKubelet(o: KubeletOptions): Promise<HealthzComponent> {
  const { rootDir, podLogsDir } = kubeletPaths(o.dir);
  await mkdir(rootDir, { recursive: true });
  await mkdir(podLogsDir, { recursive: true });
  const healthz = await reservePort();
  const configFile = join(o.dir, 'kubelet-config.yaml');
  await writeFile(
    configFile,
    renderKubeletConfig({
      nodeIp: o.nodeIp,
      port: o.port ?? 10250,
      healthzPort: healthz.port,
      containerdSocket: o.containerdSocket,
      clientCaFile: o.clientCaFile,
      podLogsDir,
    }),
  );
  return HealthzComponent.start({
    component: 'kubelet',
    binary: o.binary,
    args: [
      `--config=${configFile}`,
      `--kubeconfig=${o.kubeconfig}`,
      `--root-dir=${rootDir}`,
      `--cert-dir=${join(rootDir, 'pki')}`,
      `--hostname-override=${o.nodeName}`,
      `--node-ip=${o.nodeIp}`,
      '--v=1',
    ],
    logFile: join(o.dir, 'kubelet.log'),
    healthzUrl: `http://127.0.0.1:${healthz.port}/healthz`,
    ports: [healthz],
    stopGraceMs: 5_000,
  });
}
