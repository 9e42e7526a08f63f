import { dirname, isAbsolute, resolve } from 'node:path';
import { GRPC_CODE_NAMES, type GrpcCodeName } from '../../mock-driver/index.ts';
import { isExecutable } from '../binaries/binary-resolver.ts';
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

/**
 * What answers the sidecar's driver calls (spec.driver, or `run --driver`): the mock driver (default), or a real
 * driver behind the interposer, whose rules still apply first.
 */
export type DriverSelection =
  | { kind: 'mock' }
  /** The upstream sample driver, per variant, in front of a versitygw server of its own on loopback. */
  | { kind: 'sample'; sample: SampleDriverConfig }
  /** A user's driver binary, started per variant with COSI_ENDPOINT=unix://SOCKET (and {socket} in args). */
  | { kind: 'binary'; binary: string; args: string[]; env: Record<string, string> }
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
  if (!isFields(value) || Object.keys(value).length === 0) {
    report(at, 'must be mock, sample, {sample: {...}}, {binary: PATH} or {socket: ADDRESS}');
    return undefined;
  }
  const kinds = ['sample', 'binary', 'socket'].filter((k) => k in value);
  if (kinds.length !== 1) {
    report(
      at,
      kinds.length
        ? `names ${kinds.join(' and ')}: choose one`
        : `unknown field "${Object.keys(value)[0]}"; use sample, binary or socket`,
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

function readBinary(
  value: Fields,
  file: string,
  at: string[],
  report: ReportProblem,
): DriverSelection | undefined {
  unknownFields(value, ['binary', 'args', 'env'], at, report);
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
  return { kind: 'binary', binary, args: args as string[], env: env as Record<string, string> };
}

function readSocket(value: Fields, at: string[], report: ReportProblem): DriverSelection | undefined {
  unknownFields(value, ['socket'], at, report);
  if (typeof value.socket !== 'string' || !SOCKET_ADDRESS.test(value.socket)) {
    report([...at, 'socket'], 'must be unix:///path/to/driver.sock or HOST:PORT');
    return undefined;
  }
  return { kind: 'socket', address: value.socket };
}

/** `run --driver`: mock, sample, unix:///path or HOST:PORT (a running driver), or the path of a driver binary. */
export function driverFromFlag(flag: string): DriverSelection | string {
  if (flag === 'mock') return MOCK_DRIVER;
  if (flag === 'sample') return { kind: 'sample', sample: { ...DEFAULT_SAMPLE } };
  if (SOCKET_ADDRESS.test(flag) && !flag.startsWith('.') && !flag.startsWith('/'))
    return { kind: 'socket', address: flag };
  const binary = resolve(flag);
  if (isExecutable(binary)) return { kind: 'binary', binary, args: [], env: {} };
  return `--driver "${flag}": expected mock, sample, unix:///path/to/driver.sock, HOST:PORT or an executable driver binary`;
}

/** Scenarios with equal keys can share a driver per variant (and so a control plane). */
export function driverKey(d: DriverSelection | undefined): string {
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
    case 'binary':
      return `driver binary ${(d as Extract<DriverSelection, { kind: 'binary' }>).binary}`;
    case 'socket':
      return `driver at ${(d as Extract<DriverSelection, { kind: 'socket' }>).address}`;
    default:
      return 'mock driver';
  }
}

/** The sample driver speaks cosi.v1alpha1 only: a v1alpha2 sidecar would get Unimplemented from DriverGetInfo. */
export function driverServesEra(d: DriverSelection | undefined, era: 'v1alpha1' | 'v1alpha2'): boolean {
  return d?.kind !== 'sample' || era === 'v1alpha1';
}
