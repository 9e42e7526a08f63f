import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { timedApiClient } from './timed-api-client.ts';

// An API server that accepts requests and never answers them: client-node alone would wait for ever.
async function silentServer(): Promise<{ server: Server; url: string; seen: () => number }> {
  let seen = 0;
  const server = createServer(() => {
    seen++;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, seen: () => seen };
}

function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'x' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}

describe('timedApiClient', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it('gives up on a request the server never answers, after the timeout', async () => {
    const silent = await silentServer();
    server = silent.server;
    const core = timedApiClient(kubeConfigFor(silent.url), CoreV1Api, 300);
    const started = Date.now();
    await expect(core.listNamespace()).rejects.toThrow(/abort|timeout/i);
    expect(silent.seen()).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('refuses a kubeconfig without a current cluster, saying what to set', () => {
    expect(() => timedApiClient(new KubeConfig(), CoreV1Api)).toThrow(/current-context/);
  });
});
