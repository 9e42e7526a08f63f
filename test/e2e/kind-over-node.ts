import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A `kind` (and the `docker info` kind needs) that gives the kind backend this machine's kubelet-backed node
 * instead of node containers: kind's node containers need --privileged, which this VM refuses. Every other command
 * the kind lane runs is real: kubectl against the node's API server, the images loaded into its containerd with the
 * same archive `kind load image-archive` takes. Calls are appended to $dir/calls.log, one per line.
 */
export async function kindOverNode(
  dir: string,
  node: { kubeconfig: string; containerdSocket: string },
): Promise<{ binDir: string; callsLog: string }> {
  const binDir = join(dir, 'bin');
  await mkdir(binDir, { recursive: true });
  const callsLog = join(dir, 'calls.log');
  const state = join(dir, 'clusters');
  const kind = `#!/usr/bin/env bash
set -euo pipefail
echo "kind $*" >> ${JSON.stringify(callsLog)}
name=cosi-chaos; kubeconfig=""; archive=""
args=("$@")
for ((i = 0; i < \${#args[@]}; i++)); do
  case "\${args[$i]}" in
    --name) name="\${args[$((i + 1))]}" ;;
    --kubeconfig) kubeconfig="\${args[$((i + 1))]}" ;;
  esac
done
case "$1 \${2:-}" in
  "version "*) echo "kind v0.27.0 (over the kubelet-backed node of the tests)" ;;
  "get clusters") cat ${JSON.stringify(state)} 2>/dev/null || echo "No kind clusters found." >&2 ;;
  "create cluster") echo "$name" >> ${JSON.stringify(state)}; cp ${JSON.stringify(node.kubeconfig)} "$kubeconfig" ;;
  "export kubeconfig") cp ${JSON.stringify(node.kubeconfig)} "$kubeconfig" ;;
  "load image-archive") ctr --address ${JSON.stringify(node.containerdSocket)} -n k8s.io images import "$3" >/dev/null ;;
  "delete cluster") grep -vx "$name" ${JSON.stringify(state)} > ${JSON.stringify(`${state}.new`)} || true; mv ${JSON.stringify(`${state}.new`)} ${JSON.stringify(state)} ;;
  *) echo "kind over node: $* not supported" >&2; exit 1 ;;
esac
`;
  const docker = `#!/usr/bin/env bash
echo "docker $*" >> ${JSON.stringify(callsLog)}
[ "\${1:-}" = info ] && { echo "20.10.24"; exit 0; }
echo "docker over node: $* not supported" >&2; exit 1
`;
  await writeFile(join(binDir, 'kind'), kind);
  await writeFile(join(binDir, 'docker'), docker);
  await chmod(join(binDir, 'kind'), 0o755);
  await chmod(join(binDir, 'docker'), 0o755);
  return { binDir, callsLog };
}
