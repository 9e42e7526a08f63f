import { type AdminServer, DEFAULT_ADMIN_ADDRESS, startAdminServer } from './admin-server.ts';
import { bucketKey } from './call-context.ts';
import { CallCounter } from './call-counter.ts';
import { CallDispatcher } from './call-dispatcher.ts';
import { CallJournal, type JournalClock, systemJournalClock } from './call-journal.ts';
import { DriverMetrics } from './driver-metrics.ts';
import { v1alpha1Adapter } from './era-v1alpha1.ts';
import { v1alpha2Adapter } from './era-v1alpha2.ts';
import { type GrpcDriverServer, startGrpcDriverServer } from './grpc-driver-server.ts';
import { ObjectStoreBackend, type StoredBucket } from './object-store-backend.ts';
import { parseRules } from './rule-file.ts';
import type { RuleSet } from './rule-types.ts';
import { UpstreamDriver } from './upstream-driver.ts';

export interface MockDriverOptions {
  // Unix socket the sidecar dials; a stale file from a dead driver is replaced.
  socketPath: string;
  // DriverGetInfo name; default "cosi-chaos.mock.driver".
  driverName?: string;
  // Default: no rules, every call answered by the in-memory object store.
  rules?: RuleSet;
  // JSONL file appended per call; existing lines are loaded (seq, call numbers and bucket ids carry on).
  journalFile?: string;
  // "127.0.0.1:0" (default), "HOST:PORT", "unix:/path", or false for no admin API.
  admin?: string | false;
  // Extra "HOST:PORT" gRPC listener, e.g. for a sidecar in a container.
  tcp?: string;
  // 'stop-server' (default, safe in-process): close every connection and stop serving.
  // 'exit-process': process.exit(exitCode) right after the journal is written (what the CLI uses).
  onCrash?: 'stop-server' | 'exit-process';
  clock?: JournalClock;
  // Interposer mode: a real COSI driver's gRPC address (unix:///path.sock, or host:port); calls no rule
  // answers are forwarded to it with their metadata and deadline, and its answers journaled as the driver's.
  upstream?: string;
}

export interface MockDriverHandle {
  socketPath: string;
  // http://127.0.0.1:PORT or unix:/path; undefined when admin is false.
  adminUrl: string | undefined;
  // gRPC TCP port when `tcp` was given.
  tcpPort: number | undefined;
  journal: CallJournal;
  rules(): RuleSet;
  // Swaps rules atomically for calls that arrive afterwards; seeds objects the new set names.
  replaceRules(rules: RuleSet): void;
  // Empties the in-memory journal, call numbers, metrics and the object store (the journal file is kept).
  reset(): void;
  seedObjects(bucketName: string, count: number): void;
  orphans(): StoredBucket[];
  duplicates(): StoredBucket[];
  // Resolves when the driver stopped on its own (crash rule with onCrash 'stop-server').
  readonly stopped: Promise<void>;
  // Idempotent: cancels open calls (journaled), closes listeners and the journal file.
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export const DEFAULT_DRIVER_NAME = 'cosi-chaos.mock.driver';

const EMPTY_RULES: RuleSet = { source: '(none)', rules: [], seedObjects: {} };

// Starts a mock COSI driver serving v1alpha1 and v1alpha2 on one socket. Rolls back whatever started if a later
// part fails, so a failed start leaves no listener behind.
export async function startMockDriver(options: MockDriverOptions): Promise<MockDriverHandle> {
  const journal = new CallJournal(options.journalFile, options.clock ?? systemJournalClock);
  const counter = new CallCounter();
  const backend = new ObjectStoreBackend();
  const metrics = new DriverMetrics();
  for (const entry of journal.entries()) {
    counter.observe(bucketKey(entry), entry.rpc, entry.callNumber);
    if (entry.rpc === 'create' && entry.code === 'OK' && entry.bucketId && entry.bucketName) {
      backend.learn(entry.bucketId, { bucketName: entry.bucketName, parameters: entry.parameters });
    }
  }
  let ruleSet = options.rules ?? EMPTY_RULES;
  const applySeeds = (rules: RuleSet) => {
    for (const [name, count] of Object.entries(rules.seedObjects)) backend.seedObjects(name, count);
  };
  applySeeds(ruleSet);

  const upstream = options.upstream ? new UpstreamDriver(options.upstream) : undefined;
  let grpc: GrpcDriverServer | undefined;
  let admin: AdminServer | undefined;
  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const errors: unknown[] = [];
      await grpc?.stop().catch((error: unknown) => errors.push(error));
      await admin?.stop().catch((error: unknown) => errors.push(error));
      // Cancellations of open calls are journaled on the next turns of the event loop; let them land.
      for (let i = 0; i < 50 && dispatcher.pending > 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 2));
      dispatcher.recordAnswered();
      journal.close();
      upstream?.close();
      resolveStopped();
      if (errors.length > 0) throw new AggregateError(errors, 'mock driver did not stop cleanly');
    })();
    return stopping;
  };

  const dispatcher = new CallDispatcher({
    driverName: options.driverName ?? DEFAULT_DRIVER_NAME,
    journal,
    counter,
    backend,
    metrics,
    rules: () => ruleSet,
    ...(upstream ? { upstream } : {}),
    onCrash: (exitCode, dropCaller) => {
      if (options.onCrash === 'exit-process') {
        journal.flush(); // the crashing call's line, and those of the calls in flight
        process.exit(exitCode);
      }
      // In-process crashes must look like a dead peer (Unavailable), not a polite shutdown (Canceled).
      dropCaller();
      grpc?.kill();
      void stop();
    },
  });
  const replaceRules = (rules: RuleSet) => {
    ruleSet = rules;
    dispatcher.resolver.reset();
    applySeeds(rules);
  };
  const reset = () => {
    dispatcher.recordAnswered(); // calls answered before the reset stay before it
    journal.clear();
    counter.reset();
    metrics.reset();
    backend.reset();
    dispatcher.resolver.reset();
    applySeeds(ruleSet);
  };

  try {
    grpc = await startGrpcDriverServer(
      dispatcher,
      [v1alpha1Adapter, v1alpha2Adapter],
      options.socketPath,
      options.tcp,
    );
    const started = grpc;
    metrics.countGrpcCalls(() => started.callsStarted());
    if (options.admin !== false) {
      admin = await startAdminServer(options.admin ?? DEFAULT_ADMIN_ADDRESS, {
        journal,
        backend,
        metrics,
        replaceRulesText: (text) => {
          const rules = parseRules(text, 'PUT /rules');
          replaceRules(rules);
          return rules.rules.length;
        },
        reset,
      });
    }
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }

  return {
    socketPath: options.socketPath,
    adminUrl: admin?.url,
    tcpPort: grpc.tcpPort,
    journal,
    rules: () => ruleSet,
    replaceRules,
    reset,
    seedObjects: (name, count) => backend.seedObjects(name, count),
    orphans: () => backend.orphans(),
    duplicates: () => backend.duplicates(),
    stopped,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
