// A scenario file as loaded (schemas/scenario.schema.json is the contract; these types mirror it).
import type { Outcome, Rpc } from '../results/run-results.ts';

export interface Expectation {
  outcome: Exclude<Outcome, 'unavailable'>;
  attempts?: number;
  minAttempts?: number;
  maxAttempts?: number;
  within?: string;
  stillRetrying?: boolean;
  minBucketNameLength?: number;
  events?: string[];
  statusError?: boolean;
}

export interface ScenarioVariant {
  sidecar: string;
  note?: string;
  rules?: Record<string, unknown>[];
  expect: Expectation;
}

export interface Scenario {
  /** File it was loaded from. */
  file: string;
  name: string;
  description?: string;
  issue?: string;
  rpc: Extract<Rpc, 'create' | 'delete' | 'grant' | 'revoke'>;
  windowMs: number;
  rules: Record<string, unknown>[];
  bucketClass: { name: string; deletionPolicy: 'Retain' | 'Delete'; parameters: Record<string, string> };
  bucketClaim: { name: string; namespace: string; protocols: string[] };
  variants: ScenarioVariant[];
}
