import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/** What a pod's ServiceAccount gives a process: the API server, its CA, a token and the pod's namespace. */
export interface InClusterAccess {
  serverUrl: string;
  caPem: string;
  token: string;
  namespace: string;
}

/** A command line, as ManagedProcess takes it. */
export interface Launch {
  binary: string;
  args: string[];
  env: Record<string, string>;
}

// client-go's rest.InClusterConfig reads these fixed paths; they cannot be moved with a flag or an env var.
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

// Runs inside a private mount namespace (nothing it mounts is seen outside): puts the pod's files where
// InClusterConfig looks, then becomes the driver. Where the folder does not exist (any host), a tmpfs goes over its
// deepest existing ancestor (/run on Debian): the driver sees an empty /run plus the ServiceAccount files.
const MOUNT_SCRIPT = `set -e
files="$1"; shift
target=$(realpath -m ${SERVICE_ACCOUNT_DIR})
top="$target"
while [ ! -e "$top" ]; do top=$(dirname "$top"); done
if [ "$top" = / ]; then echo "in-cluster: no folder to mount over for $target" >&2; exit 97; fi
if [ "$top" != "$target" ]; then mount -t tmpfs -o size=1m,mode=0755 cosi-chaos-pod "$top"; fi
mkdir -p "$target"
mount -t tmpfs -o size=1m,mode=0755 cosi-chaos-sa "$target"
cp "$files/token" "$files/ca.crt" "$files/namespace" "$target/"
exec "$@"`;

let probe: Promise<string | undefined> | undefined;

/**
 * Why no process can get in-cluster config here, or undefined when it can: the harness needs root (mount) and a
 * private mount namespace (unshare, util-linux). Probed once per harness process, by doing it.
 */
export function inClusterUnsupported(): Promise<string | undefined> {
  probe ??= (async () => {
    if (process.getuid?.() !== 0)
      return 'in-cluster config for a local driver needs root (a private mount namespace holding /var/run/secrets/kubernetes.io/serviceaccount); run as root, or use the kind or existing backend';
    const r = await execa(
      'unshare',
      ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount -t tmpfs cosi-chaos-probe /mnt'],
      { reject: false, timeout: 10_000 },
    );
    if (r.failed)
      return `in-cluster config for a local driver needs a private mount namespace (unshare --mount), which failed here: ${String(r.stderr || r.shortMessage).trim()}`;
    return undefined;
  })();
  return probe;
}

/**
 * The driver's command line, wrapped so that it starts with in-cluster config for `access` as a pod would have it:
 * the ServiceAccount files at their fixed path (in a mount namespace of its own), KUBERNETES_SERVICE_HOST/PORT and
 * POD_NAMESPACE. `filesDir` keeps a copy of the files (the run's log folder: what the driver was given).
 */
export async function inClusterLaunch(
  access: InClusterAccess,
  filesDir: string,
  launch: Launch,
): Promise<Launch> {
  await mkdir(filesDir, { recursive: true });
  await writeFile(join(filesDir, 'token'), access.token, { mode: 0o600 });
  await writeFile(join(filesDir, 'ca.crt'), access.caPem);
  await writeFile(join(filesDir, 'namespace'), access.namespace);
  const server = new URL(access.serverUrl);
  return {
    binary: 'unshare',
    args: [
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      MOUNT_SCRIPT,
      'in-cluster',
      filesDir,
      launch.binary,
      ...launch.args,
    ],
    env: {
      ...launch.env,
      KUBERNETES_SERVICE_HOST: server.hostname.replace(/^\[|\]$/g, ''),
      KUBERNETES_SERVICE_PORT: server.port || '443',
      POD_NAMESPACE: access.namespace,
    },
  };
}
