import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countersDelta, readControllerCounters } from './controller-metrics-witness.ts';
import { MetricsScrapeError, scrapeMetrics } from './metrics-scrape.ts';

// A metrics endpoint on a real socket, its text produced by another Prometheus client than the one parsing it.
const registry = new Registry();
const reconciles = new Counter({
  name: 'controller_runtime_reconcile_total',
  help: 'Total number of reconciliations per controller',
  labelNames: ['controller', 'result'],
  registers: [registry],
});
const retries = new Counter({
  name: 'workqueue_retries_total',
  help: 'Total number of retries handled by workqueue',
  labelNames: ['controller', 'name'],
  registers: [registry],
});
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('metrics scrape', () => {
  it('reads counters before and after over HTTP and gives their change', async () => {
    reconciles.inc({ controller: 'bucket', result: 'error' }, 2);
    const before = readControllerCounters(await scrapeMetrics(`${url}/metrics`), 'bucket');
    reconciles.inc({ controller: 'bucket', result: 'error' }, 3);
    reconciles.inc({ controller: 'bucket', result: 'success' });
    retries.inc({ controller: 'bucket', name: 'bucket' }, 3);
    const after = readControllerCounters(await scrapeMetrics(`${url}/metrics`), 'bucket');
    expect(countersDelta(before, after)).toEqual({
      reconciles: { error: 3, success: 1 },
      errors: 0,
      terminalErrors: 0,
      retries: 3,
    });
  });

  it('says which URL failed, with the HTTP status or the connection error', async () => {
    await expect(scrapeMetrics(`${url}/nope`)).rejects.toMatchObject({
      name: 'MetricsScrapeError',
      status: 404,
    });
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await scrapeMetrics(`http://127.0.0.1:${port}/metrics`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsScrapeError);
    expect((err as MetricsScrapeError).status).toBeUndefined();
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
  });
});
