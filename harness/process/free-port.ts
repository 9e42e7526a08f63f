import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Ports are reserved with a lock file per port, so two harness runs on one machine never pick the same port
// between "found free" and "bound by the child".
const LOCK_DIR = join(tmpdir(), 'cosi-chaos-port-locks');

function probeFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function isStale(lockFile: string): boolean {
  try {
    const pid = Number(readFileSync(lockFile, 'utf8'));
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** A loopback port reserved for this process until `release()`. */
export interface PortReservation {
  port: number;
  release(): void;
}

/** Finds a free loopback port and locks it against other cosi-chaos runs on this machine. */
export async function reservePort(): Promise<PortReservation> {
  mkdirSync(LOCK_DIR, { recursive: true });
  for (let i = 0; i < 50; i++) {
    const port = await probeFreePort();
    const lock = join(LOCK_DIR, String(port));
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
    } catch {
      if (!isStale(lock)) continue;
      writeFileSync(lock, String(process.pid));
    }
    return { port, release: () => rmSync(lock, { force: true }) };
  }
  throw new Error('could not reserve a free loopback port after 50 tries');
}
