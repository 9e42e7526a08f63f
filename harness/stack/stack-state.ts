import { readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { processAlive } from '../process/process-alive.ts';

/** The state file `cosi-chaos up` writes in its folder: what a person, an attached run or `watch` needs. */
export const STACK_STATE_FILE = 'stack.json';
/** The rules a person edits while `up` runs: every driver gets them, after every attached run's own. */
export const STACK_RULES_FILE = 'rules.yaml';

/** One variant of a running stack: its driver, sidecar and the BucketClass made for exploring it. */
export interface LiveStackVariant {
  name: string;
  era: 'v1alpha1' | 'v1alpha2';
  driverName: string;
  adminUrl: string;
  /** The unix socket its sidecar calls. */
  driverSocket: string;
  journalFile: string;
  sidecarLog: string;
  sidecarUser: string;
  metricsUrl?: string;
  /** Its position in its control plane (attached runs suffix object names with it). */
  index: number;
  bucketClass: string;
  bucketAccessClass: string;
}

/** One control plane of the stack (variants sharing a release's CRDs and controller). */
export interface LiveStackPlane {
  key: string;
  era: 'v1alpha1' | 'v1alpha2';
  /** The kube-apiserver's admin kubeconfig: kubectl works with it. */
  kubeconfig: string;
  server: string;
  logDir: string;
  auditLog: string;
  sidecarNamespace: string;
  variants: LiveStackVariant[];
}

export interface StackState {
  pid: number;
  startedAt: string;
  dir: string;
  rulesFile: string;
  planes: LiveStackPlane[];
}

/** Written whole (rename) so a reader never sees half a file. */
export async function writeStackState(dir: string, state: StackState): Promise<void> {
  const file = join(dir, STACK_STATE_FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

/** No running stack in a folder, or one whose `up` is gone: says what to do. */
export class NoStackError extends Error {
  constructor(
    readonly dir: string,
    reason: string,
  ) {
    super(`no running cosi-chaos stack in ${dir}: ${reason}; start one with \`cosi-chaos up --dir ${dir}\``);
    this.name = 'NoStackError';
  }
}

/** The state of the stack running in `dir`; throws NoStackError when none is (no file, or its `up` exited). */
export async function readStackState(dir: string): Promise<StackState> {
  const abs = resolve(dir);
  const text = await readFile(join(abs, STACK_STATE_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) throw new NoStackError(abs, `${STACK_STATE_FILE} not found`);
  const state = JSON.parse(text) as StackState;
  if (!processAlive(state.pid)) throw new NoStackError(abs, `its \`up\` (pid ${state.pid}) is not running`);
  return state;
}
