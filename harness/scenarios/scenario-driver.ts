import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { GRPC_CODE_NAMES, type GrpcCodeName } from '../../mock-driver/index.ts';
import { isExecutable } from '../binaries/binary-resolver.ts';
import { SCALITY_REVISIONS, type ScalityRevision } from '../binaries/component-catalog.ts';
import type { ReportProblem } from './scenario-error.ts';

/** The sample driver's config keys for its static errors (its pkg/config Errors struct). */
export const SAMPLE_ERROR_CALLS = [
  'getInfo',
  'createBucket',
  'deleteBucket',
  'grantBucketAccess',
  'revokeBucketAccess',
] as const;
export type SampleErrorCall = (typeof SAMPLE_ERROR_CALLS)[number];

/** The sample driver's config file as a scenario sets it (mode, static errors answered before the backend). */
export interface SampleDriverConfig {
  /** s3:impl talks to the S3 server the harness starts; s3:fake keeps buckets in the driver's memory. */
  mode: 's3:impl' | 's3:fake';
  errors: Partial<Record<SampleErrorCall, { code: GrpcCodeName; message: string }>>;
}

/** A rule of a ClusterRole, as RBAC writes it. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** The RBAC a user's in-cluster driver runs with: its own manifest (absolute path) or the rules of a ClusterRole. */
export type InClusterRbac = { rbacFile: string } | { rules: PolicyRule[] };

/** A Secret the harness creates for a driver before it starts. */
export interface DriverSecret {
  name: string;
  namespace?: string;
  stringData: Record<string, string>;
}

/**
 * What answers the sidecar's driver calls (spec.driver, or `run --driver`): the mock driver (default), or a real
 * driver behind the interposer, whose rules still apply first.
 */
export type DriverSelection =
  | { kind: 'mock' }
  /** The upstream sample driver, per variant, in front of a versitygw server of its own on loopback. */
  | { kind: 'sample'; sample: SampleDriverConfig }
  /**
   * The Scality COSI driver at a pinned commit, per variant, with in-cluster config for the control plane it runs
   * beside, its own versitygw S3 and IAM servers, and a Secret naming them (BucketClass parameters point at it).
   */
  | { kind: 'scality'; revision: ScalityRevision }
  /** A user's driver binary, started per variant with COSI_ENDPOINT=unix://SOCKET (and {socket} in args). */
  | {
      kind: 'binary';
      binary: string;
      args: string[];
      env: Record<string, string>;
      /** Started with in-cluster config, as a pod of a ServiceAccount with this RBAC would be. */
      inCluster?: InClusterRbac;
      /** Created before the driver starts. */
      secrets?: DriverSecret[];
    }
  /** A user's driver that is already running, shared by every variant. */
  | { kind: 'socket'; address: string };

export const MOCK_DRIVER: DriverSelection = { kind: 'mock' };

const DEFAULT_SAMPLE: SampleDriverConfig = { mode: 's3:impl', errors: {} };

// unix:///abs/path or HOST:PORT, as `cosi-chaos driver --upstream` takes it.
const SOCKET_ADDRESS = /^(unix:\/\/\/\S+|(\[[^\]]+\]|[^:\s/]+):\d{1,5})$/;

type Fields = Record<string, unknown>;
const isFields = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads spec.driver (already held against the schema's shape here, so every problem has its own words and line):
 * `mock`, `sample`, `{sample: {mode, errors}}`, `{binary, args, env}` (relative to the scenario file) or
 * `{socket}`. Reports each problem at its path and returns undefined when there is one.
 */
export function readDriverSelection(
  value: unknown,
  file: string,
  report: ReportProblem,
): DriverSelection | undefined {
  const at = ['spec', 'driver'];
  if (value === undefined || value === 'mock') return MOCK_DRIVER;
  if (value === 'sample') return { kind: 'sample', sample: { ...DEFAULT_SAMPLE } };
  if (typeof value === 'string' && /^scality(@|$)/.test(value)) {
    const revision = scalityRevision(value);
    if (typeof revision === 'string') report(at, revision);
    return typeof revision === 'string' ? undefined : { kind: 'scality', revision };
  }
  if (!isFields(value) || Object.keys(value).length === 0) {
    report(
      at,
      'must be mock, sample, scality[@COMMIT], {sample: {...}}, {binary: PATH}, {scality: {revision}} or {socket: ADDRESS}',
    );
    return undefined;
  }
  const kinds = ['sample', 'scality', 'binary', 'socket'].filter((k) => k in value);
  if (kinds.length !== 1) {
    report(
      at,
      kinds.length
        ? `names ${kinds.join(' and ')}: choose one`
        : `unknown field "${Object.keys(value)[0]}"; use sample, scality, binary or socket`,
    );
    return undefined;
  }
  const before = { problems: 0 };
  const counted: ReportProblem = (path, problem) => {
    before.problems++;
    report(path, problem);
  };
  const selection =
    kinds[0] === 'sample'
      ? readSample(value.sample, [...at, 'sample'], counted)
      : kinds[0] === 'scality'
        ? readScality(value, at, counted)
        : kinds[0] === 'binary'
          ? readBinary(value, file, at, counted)
          : readSocket(value, at, counted);
  return before.problems ? undefined : selection;
}

function unknownFields(value: Fields, allowed: readonly string[], at: string[], report: ReportProblem): void {
  for (const key of Object.keys(value))
    if (!allowed.includes(key)) report([...at, key], `unknown field "${key}"; use ${allowed.join(', ')}`);
}

function readSample(value: unknown, at: string[], report: ReportProblem): DriverSelection | undefined {
  if (value === null || value === undefined) return { kind: 'sample', sample: { ...DEFAULT_SAMPLE } };
  if (!isFields(value)) {
    report(at, 'must be a mapping with mode and errors');
    return undefined;
  }
  unknownFields(value, ['mode', 'errors'], at, report);
  const mode = value.mode ?? 's3:impl';
  if (mode !== 's3:impl' && mode !== 's3:fake')
    report(
      [...at, 'mode'],
      `must be "s3:impl" or "s3:fake" (the modes that need no cloud account), not ${JSON.stringify(mode)}`,
    );
  const errors: SampleDriverConfig['errors'] = {};
  if (value.errors !== undefined) {
    if (!isFields(value.errors)) report([...at, 'errors'], 'must be a mapping of call to {code, message}');
    else
      for (const [call, error] of Object.entries(value.errors)) {
        const path = [...at, 'errors', call];
        if (!(SAMPLE_ERROR_CALLS as readonly string[]).includes(call)) {
          report(path, `unknown call "${call}"; use ${SAMPLE_ERROR_CALLS.join(', ')}`);
          continue;
        }
        if (!isFields(error)) {
          report(path, 'must be {code, message}');
          continue;
        }
        unknownFields(error, ['code', 'message'], path, report);
        const code = error.code;
        if (
          typeof code !== 'string' ||
          !(GRPC_CODE_NAMES as readonly string[]).includes(code) ||
          code === 'OK'
        )
          report(
            [...path, 'code'],
            `must be a gRPC code name other than OK (${GRPC_CODE_NAMES.slice(1).join(', ')})`,
          );
        else if (error.message !== undefined && typeof error.message !== 'string')
          report([...path, 'message'], 'must be a string');
        else
          errors[call as SampleErrorCall] = {
            code: code as GrpcCodeName,
            message: (error.message as string | undefined) ?? `injected ${code}`,
          };
      }
  }
  return { kind: 'sample', sample: { mode: mode as SampleDriverConfig['mode'], errors } };
}

/**
 * `scality` (the newest pinned commit), `scality@COMMIT` (7 or more hex characters of a pinned commit) or
 * `scality@ALIAS` (newest, before-188 ...): the revision, or what to write instead.
 */
export function scalityRevision(text: string): ScalityRevision | string {
  const wanted = text.replace(/^scality@?/, '').toLowerCase();
  const newest = SCALITY_REVISIONS[0] as ScalityRevision;
  if (wanted === '') return newest;
  const found = SCALITY_REVISIONS.find(
    (r) =>
      r.aliases.includes(wanted) ||
      (wanted.length >= 7 &&
        (r.recipe.version.endsWith(wanted) || r.recipe.version.slice(-12).startsWith(wanted))),
  );
  if (found) return found;
  const known = SCALITY_REVISIONS.map(
    (r) => `scality@${r.commit} (${r.describe}; also ${r.aliases.join(', ')})`,
  );
  return `"${text}" names no pinned Scality driver commit; use scality (newest) or one of: ${known.join('; ')}`;
}

function readScality(value: Fields, at: string[], report: ReportProblem): DriverSelection | undefined {
  unknownFields(value, ['scality'], at, report);
  const inner = value.scality;
  if (inner === null || inner === undefined)
    return { kind: 'scality', revision: SCALITY_REVISIONS[0] as ScalityRevision };
  if (!isFields(inner)) {
    report([...at, 'scality'], 'must be {revision: COMMIT}');
    return undefined;
  }
  unknownFields(inner, ['revision'], [...at, 'scality'], report);
  if (inner.revision === undefined)
    return { kind: 'scality', revision: SCALITY_REVISIONS[0] as ScalityRevision };
  const revision = scalityRevision(`scality@${String(inner.revision)}`);
  if (typeof revision === 'string') {
    report([...at, 'scality', 'revision'], revision);
    return undefined;
  }
  return { kind: 'scality', revision };
}

function readBinary(
  value: Fields,
  file: string,
  at: string[],
  report: ReportProblem,
): DriverSelection | undefined {
  unknownFields(value, ['binary', 'args', 'env', 'inCluster', 'secrets'], at, report);
  if (typeof value.binary !== 'string' || value.binary === '') {
    report([...at, 'binary'], 'must be the path of a driver binary');
    return undefined;
  }
  // Relative to the scenario file, so a scenario and its driver can move together.
  const binary = isAbsolute(value.binary) ? value.binary : resolve(dirname(file), value.binary);
  if (!isExecutable(binary)) report([...at, 'binary'], `${binary} is not an executable file`);
  const args = value.args ?? [];
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string'))
    report([...at, 'args'], 'must be a list of strings ({socket} and {driverName} are replaced)');
  const env = value.env ?? {};
  if (!isFields(env) || Object.values(env).some((v) => typeof v !== 'string'))
    report([...at, 'env'], 'must map names to strings');
  const inCluster = readInCluster(value.inCluster, file, [...at, 'inCluster'], report);
  const secrets = value.secrets as DriverSecret[] | undefined;
  if (secrets !== undefined && !inCluster)
    report([...at, 'secrets'], 'a driver reads Secrets through in-cluster config: set inCluster too');
  return {
    kind: 'binary',
    binary,
    args: args as string[],
    env: env as Record<string, string>,
    ...(inCluster ? { inCluster } : {}),
    ...(secrets ? { secrets } : {}),
  };
}

// Shapes were held against the schema already; here only what the schema cannot say.
function readInCluster(
  value: unknown,
  file: string,
  at: string[],
  report: ReportProblem,
): InClusterRbac | undefined {
  if (value === undefined) return undefined;
  const v = (isFields(value) ? value : {}) as { rbac?: string; rules?: PolicyRule[] };
  if ((v.rbac === undefined) === (v.rules === undefined)) {
    report(
      at,
      "must name the driver's RBAC: rbac (a manifest file) or rules (a ClusterRole's rules), one of them",
    );
    return undefined;
  }
  if (v.rules) return { rules: v.rules };
  const rbacFile = isAbsolute(v.rbac as string)
    ? (v.rbac as string)
    : resolve(dirname(file), v.rbac as string);
  if (!existsSync(rbacFile)) report([...at, 'rbac'], `${rbacFile} does not exist`);
  return { rbacFile };
}

function readSocket(value: Fields, at: string[], report: ReportProblem): DriverSelection | undefined {
  unknownFields(value, ['socket'], at, report);
  if (typeof value.socket !== 'string' || !SOCKET_ADDRESS.test(value.socket)) {
    report([...at, 'socket'], 'must be unix:///path/to/driver.sock or HOST:PORT');
    return undefined;
  }
  return { kind: 'socket', address: value.socket };
}

/**
 * `run --driver`: mock, sample, scality[@COMMIT], unix:///path or HOST:PORT (a running driver), or the path of a
 * driver binary.
 */
export function driverFromFlag(flag: string): DriverSelection | string {
  if (flag === 'mock') return MOCK_DRIVER;
  if (flag === 'sample') return { kind: 'sample', sample: { ...DEFAULT_SAMPLE } };
  if (/^scality(@|$)/.test(flag)) {
    const revision = scalityRevision(flag);
    return typeof revision === 'string' ? `--driver: ${revision}` : { kind: 'scality', revision };
  }
  if (SOCKET_ADDRESS.test(flag) && !flag.startsWith('.') && !flag.startsWith('/'))
    return { kind: 'socket', address: flag };
  const binary = resolve(flag);
  if (isExecutable(binary)) return { kind: 'binary', binary, args: [], env: {} };
  return `--driver "${flag}": expected mock, sample, scality[@COMMIT], unix:///path/to/driver.sock, HOST:PORT or an executable driver binary`;
}

/** Scenarios with equal keys can share a driver per variant (and so a control plane). */
export function driverKey(d: DriverSelection | undefined): string {
  if (d?.kind === 'scality') return `scality@${d.revision.commit}`;
  return d === undefined || d.kind === 'mock' ? 'mock' : JSON.stringify(d);
}

/** One line for progress and results. */
export function describeDriver(d: DriverSelection | undefined): string {
  switch (d?.kind ?? 'mock') {
    case 'sample': {
      const s = (d as Extract<DriverSelection, { kind: 'sample' }>).sample;
      const errors = Object.entries(s.errors).map(([call, e]) => `${call} ${e?.code}`);
      return `sample driver (${s.mode}${errors.length ? `, static errors: ${errors.join(', ')}` : ''})`;
    }
    case 'scality': {
      const r = (d as Extract<DriverSelection, { kind: 'scality' }>).revision;
      return `Scality driver ${r.commit} (${r.describe})`;
    }
    case 'binary':
      return `driver binary ${(d as Extract<DriverSelection, { kind: 'binary' }>).binary}`;
    case 'socket':
      return `driver at ${(d as Extract<DriverSelection, { kind: 'socket' }>).address}`;
    default:
      return 'mock driver';
  }
}

/**
 * The sample and Scality drivers speak cosi.v1alpha1 only: a v1alpha2 sidecar would get Unimplemented from
 * DriverGetInfo.
 */
export function driverServesEra(d: DriverSelection | undefined, era: 'v1alpha1' | 'v1alpha2'): boolean {
  return (d?.kind !== 'sample' && d?.kind !== 'scality') || era === 'v1alpha1';
}

/** The driver reads the cluster (Secrets, COSI objects) through in-cluster config: it starts after the plane. */
export function driverNeedsCluster(d: DriverSelection | undefined): boolean {
  return d?.kind === 'scality' || (d?.kind === 'binary' && d.inCluster !== undefined);
}
