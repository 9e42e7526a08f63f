import { readdirSync, readFileSync } from 'node:fs';

// Peak memory of a process and everything below it (children, their children: kube-apiservers, etcds, sidecars,
// drivers), sampled from /proc: the bench's memory target is for the whole tree, not the harness alone.

interface Proc {
  pid: number;
  ppid: number;
  rssBytes: number;
}

// Proportional set size: shared pages (the node binary of every mock driver, shared libraries) counted once across
// the processes that share them. A sum of RSS counts them once per process and overstates the tree.
function pssBytes(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const PAGE = 4096;

function readProcs(): Proc[] {
  const procs: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) start after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(rest[1]);
      const rssPages = Number(rest[21]);
      procs.push({ pid: Number(name), ppid, rssBytes: rssPages * PAGE });
    } catch {
      // exited meanwhile
    }
  }
  return procs;
}

/** PSS and RSS of `root` and all its descendants now, in bytes, and how many processes that is. */
export function treeMemory(root: number): { pssBytes: number; rssBytes: number; processes: number } {
  const procs = readProcs();
  const children = new Map<number, Proc[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  let rssBytes = 0;
  let pss = 0;
  let processes = 0;
  const stack = procs.filter((p) => p.pid === root);
  while (stack.length) {
    const p = stack.pop() as Proc;
    rssBytes += p.rssBytes;
    pss += pssBytes(p.pid);
    processes++;
    stack.push(...(children.get(p.pid) ?? []));
  }
  return { pssBytes: pss, rssBytes, processes };
}

/** Samples the tree under `root` every `everyMs` until stopped; `stop()` returns the peaks (PSS is the measure). */
export function sampleTreePeak(
  root: number,
  everyMs = 1_000,
): { stop(): { peakBytes: number; peakRssBytes: number; peakProcesses: number } } {
  let peakBytes = 0;
  let peakRssBytes = 0;
  let peakProcesses = 0;
  const tick = () => {
    const t = treeMemory(root);
    peakBytes = Math.max(peakBytes, t.pssBytes);
    peakRssBytes = Math.max(peakRssBytes, t.rssBytes);
    peakProcesses = Math.max(peakProcesses, t.processes);
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { peakBytes, peakRssBytes, peakProcesses };
    },
  };
}
