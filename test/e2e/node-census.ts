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

/** Those of `pids` still alive (not zombies). */
export function living(pids: number[]): number[] {
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
    } catch {
      return false;
    }
  });
}
