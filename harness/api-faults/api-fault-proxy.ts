import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Agent, createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { renderKubeconfig } from '../control-plane/kubeconfig.ts';
import type { ApiJournal, ApiJournalEntry, InjectedApiFault } from '../results/api-journal-results.ts';
import { ApiFaultActionResolver, type ResolvedApiFault, type TerminalApiFault } from './api-fault-action.ts';
import { selectApiFaultRule } from './api-fault-rules.ts';
import type { ApiCutWatchSpec, ApiFaultRequest, ApiFaultSet } from './api-fault-types.ts';
import { type ApiRequestInfo, apiRequestInfo } from './api-request-info.ts';
import { ApiRequestJournal } from './api-request-journal.ts';
import { bearerSubject } from './bearer-identity.ts';
import { injectedStatus } from './kubernetes-status.ts';
import { createProxyTls } from './proxy-certificate.ts';
import { WatchEventCounter } from './watch-event-counter.ts';

export interface ApiFaultProxyOptions {
  /** The real API server, e.g. LocalControlPlane.serverUrl. */
  upstreamUrl: string;
  /** CA bundle that verifies the API server's serving certificate (KubeApiServer.caPem). */
  upstreamCaPem: string;
  /** Rules; none means every request goes through untouched (and is journaled). */
  faults?: ApiFaultSet;
  /** Loopback by default; the serving certificate names this host. */
  host?: string;
  /** 0 (default): a free port the OS picks. */
  port?: number;
  /** Also append every journal entry to this file as JSON lines. */
  journalFile?: string;
}

// Hop-by-hop headers (RFC 9110 7.6.1) are the proxy's own business on each side, never forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Records the request once (later calls do nothing), adding watchEvents when a watch stream was relayed. */
type Finish = (outcome: ApiJournalEntry['outcome'], status: number | null, error?: string) => void;

/** One request in flight and what finishing it needs. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  finish: Finish;
  /** Run once when it finishes: timers, the upstream request. */
  cleanups: (() => void)[];
  /** Set while a watch stream is relayed: events so far. */
  watchEvents?: () => number;
}

/**
 * A TLS reverse proxy in front of a kube-apiserver that injects scripted faults and journals every request.
 * Clients keep their own bearer token (passed through unchanged, so the API server still authenticates and
 * authorizes them); they trust `caPem` instead of the API server's CA. Serves HTTP/1.1 only (ALPN), which
 * client-go falls back to; watches and other long requests are streamed with no proxy-side timeout.
 */
export class ApiFaultProxy {
  private stopped: Promise<void> | undefined;
  private faults: ApiFaultSet;
  private resolver = new ApiFaultActionResolver();
  private readonly callCounts = new Map<string, number>();
  private seq = 0;
  private readonly open = new Map<number, Exchange>();
  private readonly sockets = new Set<Socket>();

  private constructor(
    /** https://HOST:PORT clients connect to. */
    readonly url: string,
    /** PEM of the CA that signed the proxy's serving certificate: what clients' kubeconfigs must trust. */
    readonly caPem: string,
    readonly upstreamUrl: string,
    private readonly upstream: URL,
    private readonly server: Server,
    private readonly agent: Agent,
    private readonly requestJournal: ApiRequestJournal,
    faults: ApiFaultSet | undefined,
  ) {
    this.faults = faults ?? { rules: [] };
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(options: ApiFaultProxyOptions): Promise<ApiFaultProxy> {
    checkOptions(options);
    const host = options.host ?? '127.0.0.1';
    const tls = createProxyTls([...new Set([host, '127.0.0.1', 'localhost'])]);
    const server = createServer({
      key: tls.keyPem,
      cert: tls.certPem,
      // HTTP/1.1 only: client-go then speaks HTTP/1.1, whose chunked watch streams the proxy relays as they come.
      ALPNProtocols: ['http/1.1'],
      // Watches and hung requests stay open as long as the client wants.
      requestTimeout: 0,
      headersTimeout: 60_000,
    });
    server.timeout = 0;
    const agent = new Agent({ ca: options.upstreamCaPem, keepAlive: true });
    const journal = new ApiRequestJournal(options.journalFile);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    const proxy = new ApiFaultProxy(
      `https://${urlHost}:${port}`,
      tls.caPem,
      options.upstreamUrl,
      new URL(options.upstreamUrl),
      server,
      agent,
      journal,
      options.faults,
    );
    server.on('connection', (socket: Socket) => {
      proxy.sockets.add(socket);
      socket.once('close', () => proxy.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => proxy.handle(req, res));
    return proxy;
  }

  /** Kubeconfig text for a client of the proxy: this URL, this CA, the client's own token. */
  kubeconfig(user: string, token: string, namespace?: string): string {
    return renderKubeconfig({ server: this.url, caPem: this.caPem, user, token, namespace });
  }

  /** Replaces the rules; call numbers and random generators start over, as after loading new driver rules. */
  replaceFaults(faults: ApiFaultSet): void {
    this.faults = faults;
    this.callCounts.clear();
    this.resolver = new ApiFaultActionResolver();
  }

  /** Every finished request so far, in arrival order (open watches appear when they end). */
  journal(): ApiJournalEntry[] {
    return this.requestJournal.entries();
  }

  /** Calls `listener` with each journal entry as its request finishes; returns the unsubscribe function. */
  onEntry(listener: (entry: ApiJournalEntry) => void): () => void {
    return this.requestJournal.subscribe(listener);
  }

  /** Requests in flight now (open watches included). */
  openRequests(): number {
    return this.open.size;
  }

  /** The journal as results carry it. */
  results(): ApiJournal {
    return { proxyUrl: this.url, upstreamUrl: this.upstreamUrl, entries: this.journal() };
  }

  /** Idempotent: closes every connection (open requests are journaled as proxy-stopped) and the journal file. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const exchange of [...this.open.values()])
        exchange.finish('proxy-stopped', statusOf(exchange.res));
      for (const socket of this.sockets) socket.destroy();
      this.agent.destroy();
      await closed;
      await this.requestJournal.close();
    })();
    return this.stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const arrivedAt = performance.now();
    const seq = ++this.seq;
    const info = apiRequestInfo(req.method ?? 'GET', req.url ?? '/');
    const callNumber = this.nextCallNumber(info);
    const user = bearerSubject(req.headers.authorization);
    const userAgent = req.headers['user-agent'];
    const request: ApiFaultRequest = {
      ...info,
      callNumber,
      ...(user !== undefined ? { user } : {}),
      ...(userAgent !== undefined ? { userAgent } : {}),
    };
    const rule = selectApiFaultRule(this.faults, request);
    const resolved: ResolvedApiFault = rule
      ? this.resolver.resolve(rule.action, callNumber)
      : { delayMs: 0, terminal: { kind: 'forward' } };
    const fault = rule ? describeFault(rule.name, resolved) : undefined;

    const base: Omit<ApiJournalEntry, 'status' | 'latencyMs' | 'outcome'> = {
      seq,
      wallTime: new Date(performance.timeOrigin + arrivedAt).toISOString(),
      monoMs: performance.timeOrigin + arrivedAt,
      method: req.method ?? 'GET',
      verb: info.verb,
      isResourceRequest: info.isResourceRequest,
      ...definedOnly({
        apiGroup: info.apiGroup,
        apiVersion: info.apiVersion,
        resource: info.resource,
        subresource: info.subresource,
        namespace: info.namespace,
        name: info.name,
      }),
      path: info.path,
      callNumber,
      ...(fault ? { fault } : {}),
      ...(user !== undefined ? { user } : {}),
      ...(userAgent !== undefined ? { userAgent } : {}),
    };
    let done = false;
    const exchange: Exchange = {
      req,
      res,
      cleanups: [],
      finish: (outcome, status, error) => {
        if (done) return;
        done = true;
        this.open.delete(seq);
        for (const cleanup of exchange.cleanups) cleanup();
        this.requestJournal.record({
          ...base,
          status,
          latencyMs: Math.round((performance.now() - arrivedAt) * 1000) / 1000,
          outcome,
          ...(exchange.watchEvents ? { watchEvents: exchange.watchEvents() } : {}),
          ...(error !== undefined ? { error } : {}),
        });
        if (outcome === 'proxy-stopped') res.destroy();
      },
    };
    this.open.set(seq, exchange);
    // The client went away before the answer was complete (a stopped watch, a client timeout, a reset).
    res.once('close', () => {
      if (!res.writableFinished)
        exchange.finish(resolved.terminal.kind === 'hang' ? 'hung' : 'client-closed', statusOf(res));
    });

    const act = () => this.act(resolved.terminal, request, rule?.name ?? '', exchange);
    if (resolved.delayMs > 0) {
      const timer = setTimeout(act, resolved.delayMs);
      exchange.cleanups.push(() => clearTimeout(timer));
    } else {
      act();
    }
  }

  private act(terminal: TerminalApiFault, info: ApiRequestInfo, ruleName: string, exchange: Exchange): void {
    const { req, res, finish } = exchange;
    if (res.destroyed) return;
    switch (terminal.kind) {
      case 'forward':
        this.forward(exchange, info.verb === 'watch');
        return;
      case 'cut-watch':
        this.forward(exchange, info.verb === 'watch', terminal.cut);
        return;
      case 'status': {
        req.resume();
        const { body, retryAfterSeconds } = injectedStatus(terminal.status, info, ruleName);
        const text = JSON.stringify(body);
        res.writeHead(terminal.status.code, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          ...(retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {}),
        });
        res.end(text, () => finish('injected-status', terminal.status.code));
        return;
      }
      case 'hang':
        // Nothing is ever sent; `close` records the request once the client gives up.
        req.resume();
        return;
      case 'reset':
        finish('reset', null);
        resetConnection(req.socket);
        return;
    }
  }

  private forward(exchange: Exchange, watch: boolean, cut?: ApiCutWatchSpec): void {
    const { req, res, finish, cleanups } = exchange;
    const upstreamReq = httpsRequest({
      protocol: this.upstream.protocol,
      hostname: this.upstream.hostname,
      port: this.upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...forwardedHeaders(req.headers), host: this.upstream.host },
      agent: this.agent,
    });
    cleanups.push(() => upstreamReq.destroy());
    upstreamReq.on('error', (error) => {
      if (res.headersSent) {
        finish('upstream-error', res.statusCode, error.message);
        res.destroy();
      } else if (!res.destroyed) {
        const text = JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `the API fault proxy could not reach the API server: ${error.message}`,
          reason: 'ServiceUnavailable',
          code: 502,
        });
        res.writeHead(502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text, () => finish('upstream-error', 502, error.message));
      }
    });
    upstreamReq.on('response', (upstreamRes) => {
      const status = upstreamRes.statusCode ?? 502;
      const isWatchStream = status === 200 && watch;
      res.writeHead(status, upstreamRes.statusMessage, responseHeaders(upstreamRes.headers));
      // Send headers now: a watch may not have an event for a long time, and clients wait for them.
      res.flushHeaders();
      const counter = isWatchStream ? new WatchEventCounter(upstreamRes.headers['content-type']) : undefined;
      if (counter) exchange.watchEvents = () => counter.events;
      const limit = cut?.afterEvents ?? Number.POSITIVE_INFINITY;
      let cutDone = false;
      const endWatch = () => {
        if (cutDone) return;
        cutDone = true;
        upstreamRes.destroy();
        upstreamReq.destroy();
        res.end(() => finish('watch-cut', status));
      };
      if (cut && isWatchStream) {
        if (cut.afterSeconds !== undefined) {
          const timer = setTimeout(endWatch, cut.afterSeconds * 1000);
          cleanups.push(() => clearTimeout(timer));
        }
        if (limit === 0) return endWatch();
      }
      // Client backpressure: pause the API server's stream while the client's socket is full.
      const send = (chunk: Buffer) => {
        if (!res.write(chunk)) upstreamRes.pause();
      };
      res.on('drain', () => upstreamRes.resume());
      upstreamRes.on('data', (chunk: Buffer) => {
        if (cutDone) return;
        if (!counter) return send(chunk);
        const { bytes, reached } = counter.take(chunk, cut ? limit : Number.POSITIVE_INFINITY);
        send(bytes === chunk.length ? chunk : chunk.subarray(0, bytes));
        if (reached) endWatch();
      });
      upstreamRes.on('end', () => {
        if (!cutDone) res.end(() => finish('forwarded', status));
      });
      upstreamRes.on('error', (error) => {
        if (cutDone) return;
        finish('upstream-error', status, error.message);
        res.destroy();
      });
    });
    req.pipe(upstreamReq);
  }

  private nextCallNumber(info: ApiRequestInfo): number {
    const key = info.isResourceRequest
      ? [info.verb, info.apiGroup, info.resource, info.subresource, info.namespace, info.name].join('\u0000')
      : `${info.verb}\u0000${info.path}`;
    const next = (this.callCounts.get(key) ?? 0) + 1;
    this.callCounts.set(key, next);
    return next;
  }
}

// Bad options are a harness bug: say which option and what it should be before anything listens.
function checkOptions(options: ApiFaultProxyOptions): void {
  let upstream: URL | undefined;
  try {
    upstream = new URL(options.upstreamUrl);
  } catch {
    upstream = undefined;
  }
  if (upstream?.protocol !== 'https:') {
    throw new TypeError(
      `ApiFaultProxy: upstreamUrl must be the API server's https:// URL (LocalControlPlane.serverUrl), got ${JSON.stringify(options.upstreamUrl)}`,
    );
  }
  if (!options.upstreamCaPem.includes('BEGIN CERTIFICATE')) {
    throw new TypeError(
      "ApiFaultProxy: upstreamCaPem must be the PEM CA bundle of the API server's serving certificate (KubeApiServer.caPem)",
    );
  }
}

function describeFault(rule: string, resolved: ResolvedApiFault): InjectedApiFault | undefined {
  const delay = resolved.delayMs > 0 ? { delayMs: resolved.delayMs } : {};
  switch (resolved.terminal.kind) {
    case 'forward':
      return resolved.delayMs > 0 ? { rule, kind: 'delay', ...delay } : undefined;
    case 'cut-watch':
      return { rule, kind: 'cut-watch', ...delay };
    default:
      return { rule, kind: resolved.terminal.kind, ...delay };
  }
}

function statusOf(res: ServerResponse): number | null {
  return res.headersSent ? res.statusCode : null;
}

function forwardedHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'host') out[name] = value;
  }
  return out;
}

function responseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

// A TCP RST, not a FIN: the TLS socket's handle (TLSWrap) refuses resetAndDestroy, the TCP socket under it
// (_parent, Node's name for it) does; an orderly close is the fallback should that ever change.
function resetConnection(socket: Socket): void {
  const tcp = (socket as Socket & { _parent?: Socket })._parent ?? socket;
  try {
    tcp.resetAndDestroy();
  } catch {
    socket.destroy();
  }
  socket.destroy();
}

function definedOnly<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}
