import type { BackendControlSource, ConformCall, ConformEra, ConformOutcome } from './conform-results.ts';
import type { BackendControl } from './conform-target.ts';
import type { ConformProtocol } from './era-messages.ts';
import type { CallAnswer, RecordingClient } from './recording-client.ts';
import type { RuleKey } from './spec-citations.ts';

/** What a case gets: one era's client, the user's parameters, names under the run prefix, the backend control. */
export interface CaseContext {
  era: ConformEra;
  client: RecordingClient;
  protocol: ConformProtocol;
  /** BucketClass parameters, sent on every create. */
  parameters: Record<string, string>;
  /** BucketAccessClass parameters, sent on every grant. */
  accessParameters: Record<string, string>;
  /** A name under the run prefix: `${prefix}-${suffix}`. */
  name(suffix: string): string;
  prefix: string;
  /** This case's calls: pass it to every client call so the report shows what the case sent. */
  calls: ConformCall[];
  backend: BackendControl | undefined;
  noBackendControlReason: string;
  /** Every call of the run so far, every era (the deadline and canonical-code cases judge them all). */
  runCalls(): ConformCall[];
}

/** A case's judgement; the runner adds the era, the rule's level and citation, and the calls. */
export interface CaseVerdict {
  outcome: ConformOutcome;
  /** What the driver answered, in a line. */
  answer: string;
  backendControl?: BackendControlSource;
}

/** One rule of the spec, checked against a driver. Applies to every era whose spec has the rule. */
export interface ConformCase {
  id: string;
  title: string;
  rule: RuleKey;
  expected(era: ConformEra): string;
  /** after-cleanup: the case breaks the backend for good (stops it), so it runs once everything is removed. */
  phase: 'main' | 'after-cleanup';
  run(ctx: CaseContext): Promise<CaseVerdict>;
}

/** A step a case needs before its rule (the create before a grant) did not succeed: the rule is not checked. */
export class CaseSetupError extends Error {
  override readonly name = 'CaseSetupError';
  constructor(step: string, answer: CallAnswer) {
    super(`setting up (${step}): ${describeAnswer(answer)}`);
  }
}

/** An answer in one line: the code and the message (or the key response fields for OK). */
export function describeAnswer(answer: CallAnswer): string {
  const { code, message } = answer.call;
  if (code !== 'OK') return `${code}${message ? ` "${truncate(message, 160)}"` : ''}`;
  const r = answer.response ?? {};
  const keys = ['bucket_id', 'account_id', 'name'].filter((k) => typeof r[k] === 'string' && r[k] !== '');
  return `OK${keys.length ? ` ${keys.map((k) => `${k}=${truncate(String(r[k]), 70)}`).join(' ')}` : ''}`;
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
