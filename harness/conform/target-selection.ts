import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SAMPLE_COSI_DRIVER, VERSITYGW } from '../binaries/component-catalog.ts';
import { provisionBinary } from '../runner/start/binary-provisioner.ts';
import { ConformInputError } from './conform-errors.ts';
import type { ConformTarget } from './conform-target.ts';
import { socketTarget, startBinaryTarget } from './external-targets.ts';
import { type BackendHooks, hookBackendControl } from './hook-backend-control.ts';
import { MockConformTarget } from './mock-target.ts';
import { SampleConformTarget, type SampleMode } from './sample-target.ts';

/** What `--driver` names. */
export type DriverSelection =
  | { kind: 'mock' }
  | { kind: 'sample'; mode: SampleMode }
  | { kind: 'socket'; address: string }
  | { kind: 'binary'; path: string };

const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * Reads `--driver`: mock, sample (s3:impl on versitygw), sample:fake, unix:///path.sock (or unix:/path.sock),
 * HOST:PORT, or a path to a driver binary. A socket or binary that does not exist is bad input.
 */
export function parseDriverFlag(value: string): DriverSelection {
  if (value === 'mock') return { kind: 'mock' };
  if (value === 'sample' || value === 'sample:impl') return { kind: 'sample', mode: 's3:impl' };
  if (value === 'sample:fake') return { kind: 'sample', mode: 's3:fake' };
  if (value.startsWith('unix:')) {
    const path = value.replace(/^unix:(\/\/)?/, '');
    let socket = false;
    try {
      socket = statSync(path).isSocket();
    } catch {
      throw new ConformInputError(`--driver ${value}: no such socket ${path}`);
    }
    if (!socket) throw new ConformInputError(`--driver ${value}: ${path} is not a unix socket`);
    return { kind: 'socket', address: `unix:${path}` };
  }
  const hostPort = HOST_PORT.exec(value);
  if (hostPort && Number(hostPort[2]) <= 65535) return { kind: 'socket', address: value };
  const path = resolve(value);
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    accessSync(path, constants.X_OK);
  } catch {
    throw new ConformInputError(
      `--driver ${value}: not mock, sample, sample:fake, unix:///path.sock, HOST:PORT, nor an executable file`,
    );
  }
  return { kind: 'binary', path };
}

export interface StartTargetOptions {
  workDir: string;
  hooks?: BackendHooks;
  /** For a binary: its arguments ({socket} replaced) and extra environment. */
  binaryArgs?: string[];
  binaryEnv?: Record<string, string>;
  progress?: (phase: string, detail: string) => void;
}

/** Starts (or, for a socket, just names) the selected driver. The hooks, when given, control its backend. */
export async function startTarget(
  selection: DriverSelection,
  opts: StartTargetOptions,
): Promise<ConformTarget> {
  const hooks = hookBackendControl(opts.hooks ?? {});
  switch (selection.kind) {
    case 'mock':
      return MockConformTarget.start({ workDir: opts.workDir });
    case 'sample': {
      const driver = await provisionBinary(SAMPLE_COSI_DRIVER, { progress: opts.progress });
      const server = await provisionBinary(VERSITYGW, { progress: opts.progress });
      return SampleConformTarget.start({
        mode: selection.mode,
        sampleDriver: driver.path,
        versitygw: server.path,
        workDir: opts.workDir,
        components: [driver.component, server.component],
      });
    }
    case 'socket':
      return socketTarget(selection.address, hooks);
    case 'binary':
      return startBinaryTarget({
        binary: selection.path,
        args: opts.binaryArgs ?? [],
        env: opts.binaryEnv ?? {},
        workDir: opts.workDir,
        backend: hooks,
      });
  }
}
