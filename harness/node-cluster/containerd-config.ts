import { CNI_BIN_DIR } from './node-prerequisites.ts';

/** Every path a containerd of the cluster's own writes to (only the shims' sockets go to /run/containerd/s). */
export interface ContainerdPaths {
  root: string;
  state: string;
  /** gRPC socket (kubelet's containerRuntimeEndpoint, ctr --address). */
  socket: string;
  /** runc's state dir (the runc v2 shim's Root option), so leftover containers are found by `runc --root`. */
  runcRoot: string;
  cniConfDir: string;
}

/** The image the CRI plugin runs as every Pod's sandbox (imported, never pulled). */
export const SANDBOX_IMAGE = 'registry.k8s.io/pause:3.10';

/**
 * config.toml (version 2, containerd 1.6) for a containerd beside any other on the machine.
 * `restrict_oom_score_adj`: this VM refuses negative oom_score_adj, and without it every sandbox fails.
 */
export function renderContainerdConfig(p: ContainerdPaths, sandboxImage = SANDBOX_IMAGE): string {
  const q = (s: string) => JSON.stringify(s);
  return `version = 2
root = ${q(p.root)}
state = ${q(p.state)}
# Snapshotters that cannot work here only log errors at start.
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = ${q(p.socket)}

[ttrpc]
  address = ${q(`${p.socket}.ttrpc`)}

[debug]
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = ${q(`${p.root}/opt`)}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${q(sandboxImage)}
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # Network namespaces as bind mounts under state, not /var/run/netns: unmounting the cluster's dir frees them.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = ${q(p.runcRoot)}
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = ${q(CNI_BIN_DIR)}
    conf_dir = ${q(p.cniConfDir)}
    max_conf_num = 1
`;
}
