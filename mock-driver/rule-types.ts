import type { CallContext, RpcName } from './call-context.ts';
import type { CosiEra } from './cosi-protos.ts';
import type { GrpcCodeName } from './grpc-code-names.ts';
import type { ErrorInfoDetail } from './rpc-status-details.ts';

// Rule files as written (after schema validation). schemas/rules.schema.json is the published form.

// A bare string means `{ exact: value }`; every given condition must hold.
export type StringMatcherSpec =
  | string
  | {
      exact?: string;
      equals?: string;
      prefix?: string;
      suffix?: string;
      glob?: string;
      regex?: string;
      minLength?: number;
      maxLength?: number;
    };

// nth alone, or a from/upTo range (both inclusive) over the call number for that bucket and rpc.
export interface CallMatcherSpec {
  nth?: number;
  from?: number;
  upTo?: number;
}

export interface RuleMatchSpec {
  rpc?: RpcName | RpcName[];
  era?: CosiEra | CosiEra[];
  bucketName?: StringMatcherSpec;
  bucketId?: StringMatcherSpec;
  parameters?: Record<string, StringMatcherSpec>;
  call?: CallMatcherSpec;
}

export interface ErrorActionSpec {
  code: GrpcCodeName;
  message?: string;
  details?: ErrorInfoDetail[];
}

export type ActionSpec =
  | { error: ErrorActionSpec }
  | { ok: Record<string, never> }
  | { backend: Record<string, never> }
  | { delay: { ms: number; then?: ActionSpec } }
  | { hang: Record<string, never> }
  | { drop: Record<string, never> }
  | { crash: { exitCode?: number } }
  | { sequence: { times?: number; action: ActionSpec }[] }
  | { flap: { period?: number; actions: ActionSpec[] } }
  | { random: { probability: number; seed?: number; then: ActionSpec; else?: ActionSpec } };

export interface RuleSpec {
  name: string;
  priority?: number;
  match?: RuleMatchSpec;
  action: ActionSpec;
}

export interface RuleFileSpec {
  rules: RuleSpec[];
  seed?: { objects?: Record<string, number> };
}

// A validated rule, ready to match. `order` is its position in the file (ties on priority go to the earlier).
export interface CompiledRule {
  name: string;
  priority: number;
  order: number;
  // The conditions as written; RuleIndex files the rule by them.
  match: RuleMatchSpec;
  matches: (call: CallContext) => boolean;
  action: ActionSpec;
}

// What loadRuleFile/parseRules return and replaceRules takes: rules sorted by priority, then file order.
export interface RuleSet {
  source: string;
  rules: CompiledRule[];
  seedObjects: Record<string, number>;
}
