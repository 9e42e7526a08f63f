import { readdirSync, readFileSync } from 'node:fs';

// Linux reports /proc times in USER_HZ ticks, 100 per second for user space on every architecture.
const TICKS_PER_SECOND = 100;

/** Memory and CPU of one process from /proc (Linux). */
export interface ProcessUsage {
  pid: number;
  rssBytes: number;
  peakRssBytes: number;
  cpuSeconds: number;
}

function statFields(pid: number): { comm: string; fields: string[] } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after its last ')'.
    const close = stat.lastIndexOf(')');
    return { comm: stat.slice(stat.indexOf('(') + 1, close), fields: stat.slice(close + 2).split(' ') };
  } catch {
    return undefined;
  }
}

function statusKb(status: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** A process's usage, or undefined where /proc cannot say (not Linux, or it exited). */
export function processUsage(pid: number): ProcessUsage | undefined {
  const stat = statFields(pid);
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  if (!stat) return undefined;
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
  const cpuSeconds = (Number(stat.fields[11]) + Number(stat.fields[12])) / TICKS_PER_SECOND;
  return {
    pid,
    rssBytes: statusKb(status, 'VmRSS'),
    peakRssBytes: statusKb(status, 'VmHWM'),
    cpuSeconds: Number.isFinite(cpuSeconds) ? cpuSeconds : 0,
  };
}

/**
 * The usage of the process named `comm` in a process group: the harness runs each child under a watchdog that
 * leads its group (harness/process/managed-process.ts), so the child itself is found by group and name.
 */
export function groupMemberUsage(pgid: number, comm: string): ProcessUsage | undefined {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    const stat = statFields(pid);
    if (stat && stat.comm === comm && Number(stat.fields[2]) === pgid) return processUsage(pid);
  }
  return undefined;
}

/** This (harness) process's memory and CPU. */
export function harnessUsage(): { rssBytes: number; peakRssBytes: number; cpuSeconds: number } {
  const r = process.resourceUsage();
  return {
    rssBytes: process.memoryUsage.rss(),
    // maxRSS is in kilobytes.
    peakRssBytes: r.maxRSS * 1024,
    cpuSeconds: (r.userCPUTime + r.systemCPUTime) / 1e6,
  };
}
