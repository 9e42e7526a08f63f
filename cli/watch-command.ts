import { setTimeout as sleep } from 'node:timers/promises';
import {
  AttemptWatch,
  DriverAdminClient,
  outcomeNow,
  readStackState,
  type WatchedLoop,
} from '../harness/index.ts';
import { EXIT } from './exit-codes.ts';

export interface WatchFlags {
  /** Poll period, ms. */
  intervalMs?: number;
}

const ms = (v?: number) => (v === undefined ? '-' : v < 1000 ? `${v}ms` : `${(v / 1000).toFixed(1)}s`);

function line(l: WatchedLoop, now: number, outcome: string): string {
  const who = l.scenario ? ` [${l.scenario}]` : '';
  return `${new Date(now).toISOString().slice(11, 23)} ${l.variant} ${l.rpc} ${l.bucket}${who} #${l.count} ${l.lastCode} +${ms(l.lastIntervalMs)} outcome now: ${outcome}`;
}

function table(loops: WatchedLoop[], now: number): string {
  const rows = loops.map((l) => [
    l.variant,
    l.rpc,
    l.bucket.length > 40 ? `…${l.bucket.slice(-39)}` : l.bucket,
    l.scenario ?? '-',
    String(l.count),
    l.lastCode,
    ms(l.lastIntervalMs),
    outcomeNow(l, now).text,
  ]);
  const head = ['VARIANT', 'RPC', 'BUCKET', 'SCENARIO', 'COUNT', 'CODE', 'INTERVAL', 'OUTCOME NOW'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

/**
 * `cosi-chaos watch [DIR]`: every driver attempt of a running stack as it happens, per bucket and RPC, with the
 * outcome the run's decider would give now. On a terminal a table redrawn in place; otherwise one line per attempt
 * (and per change of outcome). Ends with the stack, or on Ctrl-C.
 */
export async function watchCommand(
  dir: string,
  flags: WatchFlags,
  write: (s: string) => void,
): Promise<number> {
  const state = await readStackState(dir);
  const tty = process.stdout.isTTY === true;
  const watch = new AttemptWatch();
  const drivers = state.planes.flatMap((p) =>
    p.variants.map((v) => ({ v, admin: new DriverAdminClient(v.adminUrl), since: 0 })),
  );
  const shown = new Map<WatchedLoop, string>(); // the outcome kind last printed per loop
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (!tty) write(`watching ${drivers.length} driver(s) of ${state.dir}\n`);
  while (!stopped) {
    let gone = 0;
    for (const d of drivers) {
      const calls = await d.admin.journal({ sinceSeq: d.since }).catch(() => undefined);
      if (!calls) {
        gone++;
        continue;
      }
      for (const c of calls) {
        d.since = Math.max(d.since, c.seq);
        const loop = watch.add(d.v.name, d.v.era, c);
        if (loop && !tty) {
          const at = Date.parse(c.wallTime);
          const o = outcomeNow(loop, at);
          shown.set(loop, o.kind);
          write(`${line(loop, at, o.text)}\n`);
        }
      }
    }
    const now = Date.now();
    if (tty)
      write(
        `\x1b[H\x1b[2J${state.dir}  ${new Date(now).toISOString()}\n\n${table([...watch.loops.values()], now)}\n`,
      );
    else
      for (const l of watch.loops.values()) {
        // A line when the judgement changes, not when its evidence ("the last 1.2 s ago") does.
        const o = outcomeNow(l, now);
        if (shown.get(l) !== o.kind) {
          shown.set(l, o.kind);
          write(
            `${new Date(now).toISOString().slice(11, 23)} ${l.variant} ${l.rpc} ${l.bucket} outcome now: ${o.text}\n`,
          );
        }
      }
    if (gone === drivers.length) {
      write('the stack stopped\n');
      break;
    }
    await sleep(flags.intervalMs ?? 250);
  }
  return EXIT.ok;
}
