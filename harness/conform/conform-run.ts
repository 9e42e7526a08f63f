import { randomBytes } from 'node:crypto';
import { type CaseContext, CaseSetupError, type ConformCase } from './conform-case.ts';
import { CONFORM_CASES } from './conform-cases.ts';
import { ConformInputError } from './conform-errors.ts';
import type {
  ConformCall,
  ConformCaseResult,
  ConformEra,
  ConformLeftover,
  ConformResults,
  ConformSummary,
} from './conform-results.ts';
import type { ConformTarget } from './conform-target.ts';
import { detectEras } from './era-detection.ts';
import type { ConformProtocol } from './era-messages.ts';
import { RecordingClient } from './recording-client.ts';
import { ResourceLedger } from './resource-ledger.ts';
import { SPEC_RULES } from './spec-citations.ts';

/** Default deadline of every call: long enough for a real backend, short enough that a hang is a finding. */
export const DEFAULT_CONFORM_DEADLINE_MS = 10_000;

export interface ConformRunOptions {
  target: ConformTarget;
  /** The --driver value, for the report. */
  driverFlag: string;
  protocol?: ConformProtocol;
  parameters?: Record<string, string>;
  accessParameters?: Record<string, string>;
  /** Case ids to run (default all) and to leave out; unknown ids are bad input. */
  only?: readonly string[];
  skip?: readonly string[];
  deadlineMs?: number;
  /** Default `cc-<8 hex>`; lowercase so every name the run makes is valid for S3 (apart from the invalid ones). */
  runPrefix?: string;
  toolVersion: string;
  /** One line per case as it finishes. */
  progress?: (line: string) => void;
  cases?: readonly ConformCase[];
}

/** Checks --only / --skip against the case ids before anything starts. */
export function selectCases(
  cases: readonly ConformCase[],
  only: readonly string[] = [],
  skip: readonly string[] = [],
): ConformCase[] {
  const known = new Set(cases.map((c) => c.id));
  const unknown = [...only, ...skip].filter((id) => !known.has(id));
  if (unknown.length)
    throw new ConformInputError(
      `unknown case id(s): ${unknown.join(', ')}; the cases are: ${[...known].join(', ')}`,
    );
  return cases.filter((c) => (only.length === 0 || only.includes(c.id)) && !skip.includes(c.id));
}

/**
 * Runs the suite against a started target: detects its eras, runs every selected case per era (main phase),
 * removes what the run created (accesses, then buckets), then runs the cases that stop the backend. A case's
 * failure is a result; only an unreachable driver throws.
 */
export async function runConformance(opts: ConformRunOptions): Promise<ConformResults> {
  const startedAt = new Date();
  const started = performance.now();
  const cases = selectCases(opts.cases ?? CONFORM_CASES, opts.only, opts.skip);
  const deadlineMs = opts.deadlineMs ?? DEFAULT_CONFORM_DEADLINE_MS;
  const protocol = opts.protocol ?? 'S3';
  // What the driver itself needs (the target provides it), under what the user gave.
  const parameters = { ...opts.target.parameters, ...opts.parameters };
  const accessParameters = { ...opts.target.parameters, ...opts.accessParameters };
  const runPrefix = opts.runPrefix ?? `cc-${randomBytes(4).toString('hex')}`;
  const { target } = opts;

  const eras = target.eras ? [...target.eras] : await detectEras(target.address, deadlineMs);
  const ledger = new ResourceLedger();
  const clients = new Map<ConformEra, RecordingClient>(
    eras.map((era) => [
      era,
      new RecordingClient(era, target.address, deadlineMs, ledger, target.beforeCall?.bind(target)),
    ]),
  );
  const runCalls = (): ConformCall[] => [...clients.values()].flatMap((c) => c.calls);
  const driverNames: Partial<Record<ConformEra, string>> = {};
  const results: ConformCaseResult[] = [];

  const runCase = async (c: ConformCase, era: ConformEra, client: RecordingClient) => {
    const rule = SPEC_RULES[era][c.rule];
    if (!rule) return;
    const calls: ConformCall[] = [];
    // Each era gets its own names: a driver serving both eras may share one store.
    const prefix = eras.length > 1 ? `${runPrefix}-${era === 'v1alpha1' ? 'a1' : 'a2'}` : runPrefix;
    const ctx: CaseContext = {
      era,
      client,
      protocol,
      parameters,
      accessParameters,
      name: (suffix) => `${prefix}-${suffix}`,
      prefix,
      calls,
      backend: target.backend,
      noBackendControlReason: target.noBackendControlReason,
      runCalls,
    };
    const caseStarted = performance.now();
    let verdict: Awaited<ReturnType<ConformCase['run']>>;
    try {
      verdict = await c.run(ctx);
    } catch (error) {
      // A step before the rule failed (CaseSetupError), or the backend control did: the rule was not checked.
      const why = error instanceof Error ? error.message : String(error);
      verdict = { outcome: 'error', answer: error instanceof CaseSetupError ? why : `could not run: ${why}` };
    }
    const result: ConformCaseResult = {
      id: c.id,
      era,
      title: c.title,
      level: rule.level,
      spec: rule.spec,
      expected: c.expected(era),
      outcome: verdict.outcome,
      answer: verdict.answer,
      ...(verdict.backendControl ? { backendControl: verdict.backendControl } : {}),
      calls,
      durationMs: Math.round(performance.now() - caseStarted),
    };
    results.push(result);
    opts.progress?.(
      `${result.outcome.toUpperCase().padEnd(5)} ${era} ${c.id} (${result.level}): ${result.answer}`,
    );
  };

  let cleanup: ConformResults['cleanup'] = { removed: 0, leftovers: [] };
  try {
    for (const phase of ['main', 'after-cleanup'] as const) {
      if (phase === 'after-cleanup') cleanup = await removeEverything(ledger, clients, protocol);
      for (const c of cases.filter((x) => x.phase === phase))
        for (const [era, client] of clients) await runCase(c, era, client);
    }
    // What the after-cleanup cases created (a create that succeeded with the backend stopped) is removed too.
    const late = await removeEverything(ledger, clients, protocol);
    cleanup = {
      removed: cleanup.removed + late.removed,
      leftovers: [...cleanup.leftovers, ...late.leftovers],
    };
  } finally {
    for (const client of clients.values()) client.close();
  }
  // The name each era's DriverGetInfo gave (its first OK answer in the run).
  for (const [era, client] of clients) {
    const name = client.calls.find((c) => c.method === 'DriverGetInfo' && c.code === 'OK')?.response?.name;
    if (typeof name === 'string') driverNames[era] = name;
  }

  return {
    schemaVersion: 1,
    tool: { name: 'cosi-chaos', version: opts.toolVersion },
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    wallMs: Math.round(performance.now() - started),
    runPrefix,
    deadlineMs,
    target: {
      driver: opts.driverFlag,
      description: target.description,
      address: target.address,
      eras,
      driverNames,
      protocol,
      parameters,
      accessParameters,
      backendControl: {
        nonEmptyBucket: target.backend?.makeBucketNonEmpty ? target.backend.source : 'none',
        stopBackend: target.backend?.stopBackend ? target.backend.source : 'none',
      },
    },
    components: [...target.components],
    cases: results,
    summary: summarize(results),
    cleanup,
  };
}

/** Revokes every access and deletes every bucket still open; lists what the driver would not remove. */
async function removeEverything(
  ledger: ResourceLedger,
  clients: Map<ConformEra, RecordingClient>,
  protocol: ConformProtocol,
): Promise<ConformResults['cleanup']> {
  const leftovers: ConformLeftover[] = [];
  let removed = 0;
  for (const access of ledger.openAccesses()) {
    const client = clients.get(access.era);
    if (!client) continue;
    const answer = await client.revoke(access.bucketId, access.accountId, protocol);
    // Tried once: a later cleanup does not list it twice.
    ledger.revoked(access.era, access.bucketId, access.accountId);
    if (answer.call.code === 'OK') removed++;
    else
      leftovers.push({
        kind: 'access',
        bucketId: access.bucketId,
        accountId: access.accountId,
        name: access.accountName,
        code: answer.call.code,
        ...(answer.call.message ? { message: answer.call.message } : {}),
      });
  }
  for (const bucket of ledger.openBuckets()) {
    const client = clients.get(bucket.era);
    if (!client) continue;
    const answer = await client.remove(bucket.bucketId);
    ledger.deleted(bucket.era, bucket.bucketId);
    if (answer.call.code === 'OK') removed++;
    else
      leftovers.push({
        kind: 'bucket',
        bucketId: bucket.bucketId,
        name: bucket.name,
        code: answer.call.code,
        ...(answer.call.message ? { message: answer.call.message } : {}),
      });
  }
  return { removed, leftovers };
}

export function summarize(results: readonly ConformCaseResult[]): ConformSummary {
  const count = (o: string) => results.filter((r) => r.outcome === o).length;
  const notPassed = (level: string) =>
    results.filter((r) => r.level === level && (r.outcome === 'fail' || r.outcome === 'error')).length;
  return {
    pass: count('pass'),
    fail: count('fail'),
    error: count('error'),
    skip: count('skip'),
    mustNotPassed: notPassed('MUST'),
    shouldNotPassed: notPassed('SHOULD'),
  };
}
