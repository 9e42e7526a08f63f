import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** PIDs of live processes whose command line mentions `needle` (from /proc, so nothing is missed). */
export function processesMentioning(needle: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmd.includes(needle) && state !== 'Z') found.push({ pid: Number(entry), cmd });
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Listening TCP ports (IPv4 and IPv6) with the socket inode behind each, from /proc/net. */
export function listeningSockets(): Map<number, number> {
  const byInode = new Map<number, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] !== '0A') continue;
      byInode.set(Number(cols[9]), Number.parseInt((cols[1] ?? '').split(':')[1] ?? '0', 16));
    }
  }
  return byInode;
}

/** Ports the given processes are listening on (their socket fds matched against /proc/net). */
export function portsOwnedBy(pids: number[]): number[] {
  const sockets = listeningSockets();
  const ports: number[] = [];
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        const port = m ? sockets.get(Number(m[1])) : undefined;
        if (port !== undefined) ports.push(port);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return ports;
}

/** Ports from `ports` that something still listens on. */
export function stillListening(ports: number[]): number[] {
  const now = new Set(listeningSockets().values());
  return ports.filter((p) => now.has(p));
}
