import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  ETCD,
  type GoBuildRecipe,
  KUBE_APISERVER,
  SAMPLE_COSI_DRIVER,
  type ScalityRevision,
  VERSITYGW,
} from '../binaries/component-catalog.ts';
import { inClusterUnsupported } from '../driver/in-cluster-identity.ts';
import { provisionBinary } from '../runner/start/binary-provisioner.ts';
import { scalityRevision } from '../scenarios/scenario-driver.ts';
import { ConformInputError, ConformTargetError } from './conform-errors.ts';
import type { ConformTarget } from './conform-target.ts';
import { socketTarget, startBinaryTarget } from './external-targets.ts';
import { type BackendHooks, hookBackendControl } from './hook-backend-control.ts';
import { MockConformTarget } from './mock-target.ts';
import { SampleConformTarget, type SampleMode } from './sample-target.ts';
import { ScalityConformTarget } from './scality-target.ts';

/** What `--driver` names. */
export type DriverSelection =
  | { kind: 'mock' }
  | { kind: 'sample'; mode: SampleMode }
  | { kind: 'scality'; revision: ScalityRevision }
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
  if (/^scality(@|$)/.test(value)) {
    const revision = scalityRevision(value);
    if (typeof revision === 'string') throw new ConformInputError(`--driver ${value}: ${revision}`);
    return { kind: 'scality', revision };
  }
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
      `--driver ${value}: not mock, sample, sample:fake, scality[@COMMIT], unix:///path.sock, HOST:PORT, nor an executable file`,
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
    case 'scality': {
      const why = await inClusterUnsupported();
      if (why) throw new ConformTargetError(`--driver ${selection.revision.commit}: ${why}`, '', []);
      const build = (r: GoBuildRecipe) => provisionBinary(r, { progress: opts.progress });
      const [driver, server, etcd, apiServer] = [
        await build(selection.revision.recipe),
        await build(VERSITYGW),
        await build(ETCD),
        await build(KUBE_APISERVER),
      ];
      return ScalityConformTarget.start(
        selection.revision,
        {
          etcd: etcd.path,
          kubeApiServer: apiServer.path,
          versitygw: server.path,
          scality: { [selection.revision.commit]: driver.path },
        },
        opts.workDir,
        [driver.component, server.component, etcd.component, apiServer.component],
      );
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
