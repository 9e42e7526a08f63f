import { ProcessStartError } from '../process/process-errors.ts';
import { NodeClusterUnavailableError } from './node-cluster-error.ts';

// Failures of containerd or the kubelet that the machine causes, not the cluster: the log's own words, and what
// to do. Anything else stays the component's ProcessStartError (its log tail says the rest).
const KNOWN: { pattern: RegExp; reason: string; nextStep: string }[] = [
  {
    pattern: /bind: address already in use|listen tcp .*:10250/,
    reason: 'its port is taken (another kubelet on this machine?)',
    nextStep: 'stop the other kubelet, or pass kubeletPort',
  },
  {
    pattern: /operation not permitted|permission denied/i,
    reason: 'the kernel refused it (mounts, cgroups or namespaces)',
    nextStep: 'run as root with CAP_SYS_ADMIN (a VM or a root CI job; not an unprivileged container)',
  },
  {
    pattern: /overlay.*not supported|failed to mount overlay|unknown filesystem type 'overlay'/i,
    reason: 'overlayfs is not available for its root dir',
    nextStep: 'load the overlay module (modprobe overlay) or put workDir on a filesystem that supports it',
  },
];

/** Turns a containerd/kubelet ProcessStartError the host caused into a NodeClusterUnavailableError; else returns it. */
export function explainStartFailure(component: 'containerd' | 'kubelet', err: unknown): unknown {
  if (!(err instanceof ProcessStartError)) return err;
  const known = KNOWN.find((k) => k.pattern.test(err.stderrTail));
  if (!known) return err;
  return new NodeClusterUnavailableError(component, `${known.reason}; see ${err.logFile}`, known.nextStep, {
    cause: err,
  });
}
