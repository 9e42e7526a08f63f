import { setTimeout as sleep } from 'node:timers/promises';
import type { Metadata } from '@grpc/grpc-js';
import { bucketKey, type CallContext, type RpcName } from './call-context.ts';
import type { CallCounter } from './call-counter.ts';
import type { CallJournal, JournalRecord } from './call-journal.ts';
import { ActionResolver } from './chaos-action.ts';
import type { CosiEra } from './cosi-protos.ts';
import type { DriverMetrics } from './driver-metrics.ts';
import type { EraAdapter } from './era-adapter.ts';
import type { GrpcCodeName } from './grpc-code-names.ts';
import { withoutHarnessParameters } from './harness-parameters.ts';
import type { ObjectStoreBackend } from './object-store-backend.ts';
import type { ErrorInfoDetail } from './rpc-status-details.ts';
import { selectRule } from './rule-set.ts';
import type { RuleSet } from './rule-types.ts';
import { sendableStatusMessage } from './status-message-limit.ts';
import type { ForwardedCall, UpstreamDriver } from './upstream-driver.ts';

// What the transport can tell about and do to one call.
export interface CallTransport {
  // Fires once if the client cancels or its deadline passes before an answer is sent.
  onCancel(listener: (code: 'DeadlineExceeded' | 'Canceled') => void): void;
  // Destroys the client's connection; false when the transport cannot.
  dropConnection(): boolean;
  // The call as received, for forwarding to a real driver (interposer mode); absent where nothing can be forwarded.
  forwardable?: ForwardedCall;
  // Decodes the real driver's response bytes for this method (to learn the bucket id a create returned).
  decodeResponse?: (bytes: Buffer) => object;
}

// What the transport should send; 'none' means nothing (the call was abandoned, dropped or crashed).
export type CallOutcome =
  | { kind: 'response'; response: object }
  | { kind: 'error'; code: GrpcCodeName; message: string; details: ErrorInfoDetail[]; metadata?: Metadata }
  // The real driver's response bytes, sent on as they came.
  | { kind: 'raw'; bytes: Buffer }
  | { kind: 'none' };

export interface DispatcherDependencies {
  driverName: string;
  journal: CallJournal;
  counter: CallCounter;
  backend: ObjectStoreBackend;
  metrics: DriverMetrics;
  rules: () => RuleSet;
  // Interposer mode: calls no rule answers go to this real driver instead of the in-memory object store.
  upstream?: UpstreamDriver;
  // Called after the crashing call (and every call in flight) is journaled; dropCaller cuts that call's connection.
  onCrash: (exitCode: number, dropCaller: () => void) => void;
}

// A call answered before its request reached the driver core: bytes that do not decode, a message over the size
// limit, or a status grpc-js sent on its own. Carries what the journal keeps about it.
export interface Refusal {
  era: CosiEra;
  rpc: RpcName;
  code: GrpcCodeName;
  message: string;
  decodeError?: string;
  size?: number;
  startedMs: number;
}

interface InFlight {
  record: Omit<JournalRecord, 'code' | 'latencyMs'>;
  startedMs: number;
  done: boolean;
}

// The driver core: numbers the call, picks the rule, carries out its action, journals the result.
export class CallDispatcher {
  readonly resolver = new ActionResolver();
  private readonly inFlight = new Set<InFlight>();
  // Calls answered whose journal entries wait for the answers to go out (see record).
  private readonly unrecorded: JournalRecord[] = [];
  private recordScheduled = false;
  private crashed = false;

  constructor(private readonly deps: DispatcherDependencies) {}

  async dispatch(
    adapter: EraAdapter,
    methodName: string,
    request: object,
    transport: CallTransport,
  ): Promise<CallOutcome> {
    const startedMs = performance.now();
    const method = adapter.methods[methodName];
    if (!method) throw new Error(`no ${adapter.era} handler for ${methodName}`);
    const current: { flight?: InFlight } = {};
    try {
      return await this.run(adapter, method, request, transport, startedMs, current);
    } catch (error) {
      // A failure of our own code still answers and journals the call, so no call goes missing from the counts.
      const message = `the mock driver failed on this ${adapter.era} ${methodName} call (${error instanceof Error ? error.message : String(error)}); this is a cosi-chaos bug: please report it with the request`;
      if (current.flight) this.finish(current.flight, 'Internal', message);
      else this.refuse({ era: adapter.era, rpc: method.rpc, code: 'Internal', message, startedMs });
      return { kind: 'error', code: 'Internal', message: sendableStatusMessage(message), details: [] };
    }
  }

  // Journals and counts a call the transport answered without the core (see Refusal).
  refuse(refusal: Refusal): void {
    const { startedMs, ...fields } = refusal;
    this.record(
      { ...fields, message: sendableStatusMessage(fields.message), parameters: {}, callNumber: 0 },
      startedMs,
    );
  }

  private async run(
    adapter: EraAdapter,
    method: EraAdapter['methods'][string],
    request: object,
    transport: CallTransport,
    startedMs: number,
    current: { flight?: InFlight },
  ): Promise<CallOutcome> {
    const described = method.describe(request as never, (id) => this.deps.backend.identify(id));
    const callNumber = this.deps.counter.next(bucketKey(described), method.rpc);
    const call: CallContext = {
      era: adapter.era,
      rpc: method.rpc,
      ...(described.bucketName !== undefined ? { bucketName: described.bucketName } : {}),
      ...(described.bucketId !== undefined ? { bucketId: described.bucketId } : {}),
      parameters: described.parameters,
      callNumber,
    };
    const rule = selectRule(this.deps.rules(), call);
    const flight: InFlight = {
      record: {
        ...call,
        ...(rule ? { rule: rule.name } : {}),
        ...(described.accessModes ? { accessModes: described.accessModes } : {}),
      },
      startedMs,
      done: false,
    };
    this.inFlight.add(flight);
    current.flight = flight;

    let cancelledWith: 'DeadlineExceeded' | 'Canceled' | undefined;
    const cancelled = new Promise<'DeadlineExceeded' | 'Canceled'>((resolve) =>
      transport.onCancel((code) => {
        cancelledWith = code;
        resolve(code);
      }),
    );
    const abandon = (code: 'DeadlineExceeded' | 'Canceled'): CallOutcome => {
      this.finish(
        flight,
        code,
        code === 'DeadlineExceeded' ? 'client deadline passed' : 'cancelled by client',
      );
      return { kind: 'none' };
    };

    const { delayMs, terminal } = rule
      ? this.resolver.resolve(rule.action, callNumber)
      : { delayMs: 0, terminal: { kind: 'backend' as const } };
    if (delayMs > 0) {
      const controller = new AbortController();
      const winner = await Promise.race([
        sleep(delayMs, 'slept' as const, { signal: controller.signal }).catch(() => 'slept' as const),
        cancelled,
      ]);
      controller.abort();
      if (winner !== 'slept') return abandon(winner);
    }
    if (cancelledWith) return abandon(cancelledWith);

    switch (terminal.kind) {
      case 'error': {
        const { code, details = [] } = terminal.error;
        const message = sendableStatusMessage(terminal.error.message ?? '');
        if (code !== 'OK') {
          this.finish(flight, code, message);
          return { kind: 'error', code, message, details };
        }
        return this.answerFromBackend(flight, method, request, described.backend, true);
      }
      case 'backend':
        if (this.deps.upstream && transport.forwardable)
          return this.forwardToUpstream(flight, this.deps.upstream, transport, cancelled);
        return this.answerFromBackend(flight, method, request, described.backend, false);
      case 'ok':
        return this.answerFromBackend(flight, method, request, described.backend, terminal.kind === 'ok');
      case 'hang':
        return abandon(await cancelled);
      case 'drop': {
        if (transport.dropConnection()) {
          this.finish(flight, 'Dropped', 'connection destroyed by rule; the client sees Unavailable');
          return { kind: 'none' };
        }
        const message = 'drop requested but the transport cannot destroy connections; answered Unavailable';
        this.finish(flight, 'Unavailable', message);
        return { kind: 'error', code: 'Unavailable', message, details: [] };
      }
      case 'crash':
        this.crash(flight, terminal.exitCode, () => transport.dropConnection());
        return { kind: 'none' };
    }
  }

  // Calls still waiting (hang, delay); stop() lets them be cancelled and journaled before closing the journal.
  get pending(): number {
    return this.inFlight.size;
  }

  private answerFromBackend(
    flight: InFlight,
    method: EraAdapter['methods'][string],
    request: object,
    backendRequest: Parameters<ObjectStoreBackend['handle']>[0],
    force: boolean,
  ): CallOutcome {
    const result = this.deps.backend.handle(backendRequest, force);
    if (!result.ok) {
      const message = sendableStatusMessage(result.message);
      this.finish(flight, result.code, message);
      return { kind: 'error', code: result.code, message, details: [] };
    }
    if (result.bucketId !== undefined) flight.record.bucketId = result.bucketId;
    const response = method.respond(result, request as never, this.deps.driverName);
    this.finish(flight, 'OK');
    return { kind: 'response', response };
  }

  private async forwardToUpstream(
    flight: InFlight,
    upstream: UpstreamDriver,
    transport: CallTransport,
    cancelled: Promise<'DeadlineExceeded' | 'Canceled'>,
  ): Promise<CallOutcome> {
    const received = transport.forwardable as ForwardedCall;
    const forwardable = { ...received, bytes: withoutHarnessParameters(received.path, received.bytes) };
    flight.record.answeredBy = 'driver';
    let callerGaveUp: 'DeadlineExceeded' | 'Canceled' | undefined;
    const answer = await upstream.forward(forwardable, (cancel) =>
      cancelled.then((code) => {
        callerGaveUp = code;
        cancel();
      }),
    );
    flight.record.driverLatencyMs = answer.latencyMs;
    if (answer.kind === 'error') {
      // Our own cancel of the forwarded call (the caller's deadline passed first) reads Canceled: say why.
      const code = answer.code === 'Canceled' && callerGaveUp ? callerGaveUp : answer.code;
      const message = sendableStatusMessage(answer.message);
      this.finish(flight, code, message);
      return { kind: 'error', code, message, details: [], metadata: answer.metadata };
    }
    if (flight.record.rpc === 'create' && transport.decodeResponse) {
      // The driver picks bucket ids; learning them lets later delete/grant/revoke calls be matched by bucket name.
      const bucketId = bucketIdOf(transport.decodeResponse(answer.bytes));
      if (bucketId && flight.record.bucketName) {
        flight.record.bucketId = bucketId;
        this.deps.backend.learn(bucketId, {
          bucketName: flight.record.bucketName,
          parameters: flight.record.parameters,
        });
      }
    }
    this.finish(flight, 'OK');
    return { kind: 'raw', bytes: answer.bytes };
  }

  private crash(flight: InFlight, exitCode: number, dropCaller: () => void): void {
    this.finish(flight, 'Crashed', `driver crashed by rule with exit code ${exitCode}`);
    for (const other of [...this.inFlight]) {
      this.finish(other, 'Crashed', 'driver crashed while this call was in flight');
    }
    this.recordAnswered();
    this.crashed = true;
    this.deps.onCrash(exitCode, dropCaller);
  }

  private finish(flight: InFlight, code: JournalRecord['code'], message?: string): void {
    if (flight.done) return;
    if (this.deps.upstream && flight.record.answeredBy === undefined) flight.record.answeredBy = 'rule';
    flight.done = true;
    this.inFlight.delete(flight);
    this.record({ ...flight.record, code, ...(message ? { message } : {}) }, flight.startedMs);
  }

  // The latency is taken now; the journal entry and metrics follow once the event loop has sent this turn's answers
  // (a JS immediate runs after Node's HTTP/2 writes): on the interposer's path they cost ~0.02-0.03 ms at p50. The
  // queue keeps answer order, so seq order is unchanged; crash, stop and reset record what is queued first.
  private record(record: Omit<JournalRecord, 'latencyMs'>, startedMs: number): void {
    if (this.crashed) return;
    this.unrecorded.push({ ...record, latencyMs: Math.round((performance.now() - startedMs) * 1000) / 1000 });
    if (this.recordScheduled) return;
    this.recordScheduled = true;
    setImmediate(() => this.recordAnswered());
  }

  // Journals and counts every answered call not yet journaled.
  recordAnswered(): void {
    this.recordScheduled = false;
    for (const record of this.unrecorded.splice(0))
      this.deps.metrics.observe(this.deps.journal.record(record));
  }
}

// v1alpha1 answers bucket_id; v1alpha2 answers bucket_id too (DriverCreateBucketResponse.bucket_id).
function bucketIdOf(response: object): string | undefined {
  const id = (response as { bucket_id?: unknown }).bucket_id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
