import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ExecaCommandRunner } from '../../harness/backends/command-runner.ts';

/** One recorded call of a fake tool. */
export interface RecordedCommand {
  cmd: string;
  cwd: string;
  argv: string[];
}

// Shared by every fake: append {"cmd","cwd","argv"} as one JSON line to $FAKE_LOG.
const PRELUDE = `#!/usr/bin/env bash
set -u
json() { local s=$1; s=\${s//\\\\/\\\\\\\\}; s=\${s//\\"/\\\\\\"}; s=\${s//$'\\n'/\\\\n}; printf '"%s"' "$s"; }
record() {
  local line="{\\"cmd\\":$(json "$1"),\\"cwd\\":$(json "$PWD"),\\"argv\\":["; shift
  local sep=""
  for a in "$@"; do line+="$sep$(json "$a")"; sep=","; done
  printf '%s]}\\n' "$line" >> "$FAKE_LOG"
}
`;

// kind: `get clusters` lists $FAKE_KIND_CLUSTERS; everything else succeeds.
const KIND = `${PRELUDE}
record kind "$@"
case "$1 \${2:-}" in
  "get clusters") if [ -n "\${FAKE_KIND_CLUSTERS:-}" ]; then printf '%s\\n' $FAKE_KIND_CLUSTERS; else echo "No kind clusters found." >&2; fi ;;
  "create cluster") echo "Creating cluster ..." >&2 ;;
  "load docker-image") echo "Image loaded" >&2 ;;
  "delete cluster") echo "Deleting cluster ..." >&2 ;;
  "version "*) echo "kind v0.27.0 go1.24 linux/amd64" ;;
esac
exit 0
`;

// docker: `info` exits $FAKE_DOCKER_INFO_RC (default 1: no engine), `save -o F` writes F.
const DOCKER = `${PRELUDE}
record docker "$@"
case "$1" in
  info) if [ "\${FAKE_DOCKER_INFO_RC:-1}" = 0 ]; then echo "28.2.2"; exit 0; fi
        echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2; exit 1 ;;
  build) echo "naming to docker.io/$3 done" >&2 ;;
  save) : > "$3" ;;
esac
exit 0
`;

// kubectl: kustomize is delegated to the real kubectl (the backends parse its output); create -o name prints
// kind/name of each object from stdin and fails at kind $FAKE_FAIL_CREATE_KIND; rollout fails with
// $FAKE_ROLLOUT_FAIL=1; port-forward prints the line kubectl prints and stays up until killed.
const KUBECTL = `${PRELUDE}
record kubectl "$@"
args=("$@")
if [ "\${args[0]}" = kustomize ]; then exec "$REAL_KUBECTL" "$@"; fi
# Drop the global flags the backends put first.
while [ "\${args[0]:-}" = --kubeconfig ] || [ "\${args[0]:-}" = --context ]; do args=("\${args[@]:2}"); done
case "\${args[0]:-}" in
  config) printf 'apiVersion: v1\\nkind: Config\\nclusters: []\\ncontexts: []\\nusers: []\\n' ;;
  get) if [ -n "\${FAKE_EXISTING_CRDS:-}" ]; then for c in $FAKE_EXISTING_CRDS; do echo "customresourcedefinition.apiextensions.k8s.io/$c"; done; fi ;;
  create)
    awk -v fail="\${FAKE_FAIL_CREATE_KIND:-}" '
      /^kind: / { kind = $2 }
      /^metadata:/ { inmeta = 1; next }
      /^[^ ]/ { inmeta = 0 }
      inmeta && /^  name: / {
        if (kind == fail) { print "Error from server (Invalid): " tolower(kind) " " $2 " is invalid" > "/dev/stderr"; rc = 1 }
        else print tolower(kind) "/" $2
      }
      END { exit rc }' ;;
  apply) echo "applied" ;;
  wait) echo "condition met" ;;
  rollout)
    if [ "\${FAKE_ROLLOUT_FAIL:-}" = 1 ]; then echo "error: timed out waiting for the condition" >&2; exit 1; fi
    echo "deployment \\"\${args[2]#deployment/}\\" successfully rolled out" ;;
  port-forward) echo "Forwarding from 127.0.0.1:\${FAKE_FORWARD_PORT:-43210} -> 8080"; exec sleep 300 ;;
  logs) echo "log of \${args[*]}" ;;
  delete) echo "deleted" ;;
esac
`;

export interface FakeTools {
  dir: string;
  log: string;
  /** A runner whose PATH starts with the fakes, plus `env` (FAKE_* switches). */
  runner(env?: Record<string, string>): ExecaCommandRunner;
  /** Calls recorded so far, in order. */
  commands(): Promise<RecordedCommand[]>;
  /** Forget recorded calls. */
  reset(): Promise<void>;
  /** Removes the fakes' directory. */
  remove(): Promise<void>;
}

/** The kubectl on PATH before the fakes (kustomize rendering stays real). */
export function realKubectl(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'kubectl');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error('kubectl not found on PATH: the backend tests render manifests with `kubectl kustomize`');
}

/** Writes fake `kind`, `docker` and `kubectl` into a temp dir; each appends its argv to one log. */
export async function createFakeTools(): Promise<FakeTools> {
  const dir = await mkdtemp(join(tmpdir(), 'cosi-chaos-fake-tools-'));
  const bin = join(dir, 'bin');
  await mkdir(bin);
  const log = join(dir, 'commands.jsonl');
  await writeFile(log, '');
  for (const [name, text] of Object.entries({ kind: KIND, docker: DOCKER, kubectl: KUBECTL })) {
    await writeFile(join(bin, name), text);
    await chmod(join(bin, name), 0o755);
  }
  return {
    dir,
    log,
    runner: (env = {}) =>
      new ExecaCommandRunner({
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        FAKE_LOG: log,
        REAL_KUBECTL: realKubectl(),
        ...env,
      }),
    commands: async () =>
      (await readFile(log, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as RecordedCommand),
    reset: () => writeFile(log, ''),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
