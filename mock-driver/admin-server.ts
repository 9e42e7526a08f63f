import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RPC_NAMES, type RpcName } from './call-context.ts';
import type { CallJournal } from './call-journal.ts';
import type { DriverMetrics } from './driver-metrics.ts';
import type { ObjectStoreBackend } from './object-store-backend.ts';
import { RuleFileError } from './rule-file-error.ts';

// Loopback only unless told otherwise: the admin API can crash the driver and rewrite its rules.
export const DEFAULT_ADMIN_ADDRESS = '127.0.0.1:0';

// Rule bodies larger than this are refused with 413; real rule files are a few KB.
export const MAX_ADMIN_BODY_BYTES = 1024 * 1024;

// A request body over MAX_ADMIN_BODY_BYTES: answered 413, not 500 (it is the client's to fix).
export class AdminBodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body over ${limit} bytes; rule files and seed bodies are a few KB, send a smaller one`);
    this.name = 'AdminBodyTooLargeError';
  }
}

export interface AdminControls {
  journal: CallJournal;
  backend: ObjectStoreBackend;
  metrics: DriverMetrics;
  // Parses and installs rules; throws RuleFileError and leaves the current rules when the text is bad.
  replaceRulesText(text: string): number;
  reset(): void;
}

export interface AdminServer {
  // http://127.0.0.1:PORT, or unix:/path for a unix socket.
  url: string;
  stop(): Promise<void>;
}

// Parses --admin: "host:port" or "unix:/path".
export function parseAdminAddress(address: string): { socketPath: string } | { host: string; port: number } {
  if (address.startsWith('unix:')) {
    const socketPath = address.slice('unix:'.length);
    if (!socketPath) throw new Error(`--admin ${address}: give a socket path after unix:`);
    return { socketPath };
  }
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(address);
  const port = Number(match?.[2]);
  if (!match?.[1] || port > 65535) {
    throw new Error(
      `--admin ${JSON.stringify(address)}: expected HOST:PORT (e.g. 127.0.0.1:0) or unix:/path`,
    );
  }
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

// The HTTP control surface tests and the harness use to read the journal and steer the driver.
export async function startAdminServer(address: string, controls: AdminControls): Promise<AdminServer> {
  const target = parseAdminAddress(address);
  const server = createServer((request, response) => {
    route(request, response, controls).catch((error: unknown) => {
      if (error instanceof AdminBodyTooLargeError) return send(response, 413, { error: error.message });
      send(response, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  if ('socketPath' in target && existsSync(target.socketPath)) unlinkSync(target.socketPath);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('socketPath' in target) server.listen(target.socketPath, resolve);
    else server.listen(target.port, target.host, resolve);
  });
  let url: string;
  if ('socketPath' in target) {
    // Only the owner may talk to it: anyone who can, can crash the driver.
    chmodSync(target.socketPath, 0o600);
    url = `unix:${target.socketPath}`;
  } else {
    const { port } = server.address() as AddressInfo;
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    url = `http://${host}:${port}`;
  }
  let stopping: Promise<void> | undefined;
  return {
    url,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

async function route(
  request: IncomingMessage,
  response: ServerResponse,
  controls: AdminControls,
): Promise<void> {
  const url = parseTarget(request.url ?? '/');
  if (!url) {
    return send(response, 400, {
      error: `request target ${JSON.stringify(request.url)} is not a path; try GET /healthz`,
    });
  }
  const key = `${request.method} ${url.pathname}`;
  switch (key) {
    case 'GET /healthz':
      return send(response, 200, { ok: true });
    case 'GET /journal': {
      const rpc = url.searchParams.get('rpc');
      const since = url.searchParams.get('since');
      const bucketName = url.searchParams.get('bucketName');
      if (rpc !== null && !(RPC_NAMES as readonly string[]).includes(rpc)) {
        return send(response, 400, {
          error: `unknown rpc ${JSON.stringify(rpc)}; use one of ${RPC_NAMES.join(', ')}`,
        });
      }
      if (since !== null && !/^\d+$/.test(since)) {
        return send(response, 400, {
          error: `since must be a journal seq number, got ${JSON.stringify(since)}`,
        });
      }
      const entries = controls.journal.entries({
        ...(bucketName !== null ? { bucketName } : {}),
        ...(rpc !== null ? { rpc: rpc as RpcName } : {}),
        ...(since !== null ? { since: Number(since) } : {}),
      });
      return send(response, 200, { entries });
    }
    case 'GET /counts':
      return send(response, 200, { counts: controls.journal.counts() });
    case 'PUT /rules': {
      const body = await readBody(request);
      try {
        return send(response, 200, { rules: controls.replaceRulesText(body) });
      } catch (error) {
        if (error instanceof RuleFileError) return send(response, 400, { error: error.message });
        throw error;
      }
    }
    case 'POST /reset':
      controls.reset();
      return send(response, 200, { ok: true });
    case 'POST /seed': {
      let parsed: { objects?: Record<string, unknown> };
      const body = await readBody(request);
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        return send(response, 400, { error: 'body must be JSON like {"objects":{"bucket-name":3}}' });
      }
      const objects = Object.entries(parsed?.objects ?? {});
      const bad = objects.find(([, count]) => !Number.isInteger(count) || (count as number) < 0);
      if (objects.length === 0 || bad) {
        return send(response, 400, {
          error: `body must be {"objects":{"<bucket-name>":<count >= 0>}}${bad ? `; ${bad[0]} has ${JSON.stringify(bad[1])}` : ''}`,
        });
      }
      for (const [name, count] of objects) controls.backend.seedObjects(name, count as number);
      return send(response, 200, { ok: true });
    }
    case 'GET /orphans':
      return send(response, 200, { buckets: controls.backend.orphans() });
    case 'GET /duplicates':
      return send(response, 200, { buckets: controls.backend.duplicates() });
    case 'GET /metrics': {
      const text = await controls.metrics.registry.metrics();
      response.writeHead(200, { 'content-type': controls.metrics.registry.contentType });
      response.end(text);
      return;
    }
    default:
      return send(response, 404, {
        error: `no route ${key}; try GET /healthz, /journal, /counts, /orphans, /duplicates, /metrics, PUT /rules, POST /reset, POST /seed`,
      });
  }
}

// Node's HTTP parser passes request targets (e.g. "http://[") that URL rejects; those are the client's to fix.
function parseTarget(target: string): URL | undefined {
  try {
    return new URL(target, 'http://admin');
  } catch {
    return undefined;
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_ADMIN_BODY_BYTES) throw new AdminBodyTooLargeError(MAX_ADMIN_BODY_BYTES);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
