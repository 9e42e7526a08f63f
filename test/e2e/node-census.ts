import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execaSync } from 'execa';

/** Mount points under `dir` (from /proc/self/mountinfo, octal escapes decoded). */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) =>
      (l.split(' ')[4] ?? '').replace(/\\(\d{3})/g, (_, o: string) =>
        String.fromCharCode(Number.parseInt(o, 8)),
      ),
    )
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
}

/** Init pids of the running containers in a runc state root (`runc --root <root>/<namespace> list`). */
export function containerPids(runcRoot: string): number[] {
  const pids: number[] = [];
  let namespaces: string[] = [];
  try {
    namespaces = readdirSync(runcRoot);
  } catch {
    return pids;
  }
  for (const ns of namespaces) {
    const res = execaSync('runc', ['--root', join(runcRoot, ns), 'list', '-f', 'json'], { reject: false });
    for (const c of (JSON.parse(res.stdout || 'null') ?? []) as { pid: number; status: string }[])
      if (c.status === 'running' && c.pid > 0) pids.push(c.pid);
  }
  return pids;
}

/**
 * The container processes still alive: a pid counts only while it is the same process (its start time, field 22
 * of /proc/PID/stat, unchanged). pid_max is 32768 here and a CI run starts tens of thousands of processes: a
 * container's pid was seen reused by another process seconds after the container died.
 */
export function living(pids: number[], startTimes: Map<number, string>): number[] {
  return pids.filter((pid) => {
    const now = statOf(pid);
    return now !== undefined && now.state !== 'Z' && now.start === startTimes.get(pid);
  });
}

/** Each pid's start time now, to tell it apart from a later process given the same pid. */
export function startTimesOf(pids: number[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const pid of pids) {
    const start = statOf(pid)?.start;
    if (start !== undefined) out.set(pid, start);
  }
  return out;
}

function statOf(pid: number): { state: string; start: string } | undefined {
  try {
    // After "pid (comm) ": state is field 3, starttime field 22.
    const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const [state, start] = [rest[0], rest[19]];
    return state !== undefined && start !== undefined ? { state, start } : undefined;
  } catch {
    return undefined;
  }
}
