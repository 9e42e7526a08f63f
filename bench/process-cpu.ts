import { readFileSync } from 'node:fs';

// Linux reports /proc times in USER_HZ ticks, fixed at 100 per second for user space on every architecture.
const TICKS_PER_SECOND = 100;

// User plus system CPU seconds a process (every thread of it) has used so far, or undefined where /proc is
// missing (not Linux) or the process is gone. CPU per call, unlike calls/s, barely moves when other processes
// load the machine, so the bench reports it beside throughput.
export function processCpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces and parentheses): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / TICKS_PER_SECOND;
}
