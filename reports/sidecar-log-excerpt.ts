import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Attempt, ScenarioResult } from '../harness/results/run-results.ts';

/** Lines of the sidecar's log around one attempt. */
export interface LogWindow {
  label: 'first attempt' | 'last attempt';
  /** The attempt's wall time from the driver journal. */
  at: string;
  lines: string[];
}

/** The sidecar's own words around its first and last attempt, or why there are none. */
export type SidecarLogExcerpt =
  | { found: true; file: string; windows: LogWindow[] }
  | { found: false; reason: string };

/** How much of the log to show: lines before and after the attempt (defaults 2 and 4), and the width one line is cut to (240). */
export interface ExcerptOptions {
  before?: number;
  after?: number;
  maxLineChars?: number;
  /** Neighbouring lines further than this from the attempt are left out (default 5 s). */
  nearMs?: number;
}

// klog: 'E1130 04:31:07.158255   20816 file.go:76] ...' (month, day, local time, no year).
const KLOG = /^[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6})\s/;
// zap (controller-runtime): '2026-11-30T04:31:07Z\tINFO ...', with or without fractional seconds.
const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))\s/;

/**
 * A log line's time in ms, or undefined for a line that carries none (a continuation). klog writes local time
 * without a year: it is read as UTC in the attempt's year, which holds where the harness runs (CI, this
 * project's machines run in UTC); a sidecar in another zone shifts the window, and the report names the file.
 */
export function logLineTime(line: string, year: number): number | undefined {
  const k = KLOG.exec(line);
  if (k) {
    const [, mo, d, h, mi, s, us] = k.map(Number) as number[];
    return Date.UTC(year, (mo as number) - 1, d, h, mi, s, Math.floor((us as number) / 1000));
  }
  const iso = ISO.exec(line);
  return iso?.[1] ? Date.parse(iso[1]) : undefined;
}

/** How long one timestamp stands for: a zap time without fractional seconds covers its whole second. */
function timeSpanMs(line: string): number {
  const iso = ISO.exec(line);
  return iso?.[1] && !iso[1].includes('.') ? 1000 : 1;
}

function cut(line: string, max: number): string {
  return line.length > max ? `${line.slice(0, max)} … (${line.length - max} more characters)` : line;
}

/**
 * The lines around the first and the last attempt of `result` in one sidecar log text: the line nearest each
 * attempt's wall time (a zap line has whole seconds only), with `before` lines before it and `after` after.
 */
export function excerptAround(
  text: string,
  result: Pick<ScenarioResult, 'attempts'>,
  options: ExcerptOptions = {},
): LogWindow[] {
  const before = options.before ?? 2;
  const after = options.after ?? 4;
  const max = options.maxLineChars ?? 240;
  const nearMs = options.nearMs ?? 5000;
  const first = result.attempts[0];
  const last = result.attempts.at(-1);
  if (!first || !last) return [];
  const year = new Date(first.wallTime).getUTCFullYear();
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  // A line without a time (a Go stack trace under a zap error) belongs to the line above it.
  let previous: number | undefined;
  const times = lines.map((l) => {
    previous = logLineTime(l, year) ?? previous;
    return previous;
  });
  const spans = lines.map(timeSpanMs);
  const windowAt = (label: LogWindow['label'], attempt: Attempt): LogWindow | undefined => {
    const t = Date.parse(attempt.wallTime);
    const mentions = (line: string) =>
      (attempt.bucketName !== undefined && line.includes(attempt.bucketName)) || line.includes(attempt.code);
    let best = -1;
    let bestScore = Number.POSITIVE_INFINITY;
    times.forEach((lt, i) => {
      if (lt === undefined) return;
      const end = lt + (spans[i] ?? 1) - 1;
      const gap = t < lt ? lt - t : Math.max(0, t - end);
      // Nearest first; at the same distance a line naming the bucket or the code, then the earlier line (the one
      // that led to the attempt is more telling than one after it).
      const score = gap * 2 + (mentions(lines[i] as string) ? 0 : 1);
      if (score < bestScore) {
        best = i;
        bestScore = score;
      }
    });
    if (best < 0) return undefined;
    // Neighbours only while they are near the attempt: a resync 20 s earlier or the shutdown after it is noise.
    const near = (i: number) => {
      const lt = times[i];
      return lt !== undefined && Math.abs(lt - t) <= nearMs;
    };
    let from = best;
    while (from > 0 && best - from < before && near(from - 1)) from--;
    let to = best;
    while (to < lines.length - 1 && to - best < after && near(to + 1)) to++;
    return { label, at: attempt.wallTime, lines: lines.slice(from, to + 1).map((l) => cut(l, max)) };
  };
  const windows = [windowAt('first attempt', first)];
  if (last !== first) windows.push(windowAt('last attempt', last));
  return windows.filter((w): w is LogWindow => w !== undefined);
}

/**
 * Finds `sidecar-<variant>.log` under `logsDir` (one folder per control plane: <out>/logs/<group>/) and cuts
 * the excerpt. With several candidates (a matrix runs a variant in several control planes) the one that names
 * the attempts' bucket wins. Never throws: a missing folder or file is a reason the report states.
 */
export async function sidecarLogExcerpt(
  logsDir: string,
  result: ScenarioResult,
  options: ExcerptOptions = {},
): Promise<SidecarLogExcerpt> {
  if (result.attempts.length === 0) return { found: false, reason: 'no attempt reached the driver' };
  const name = `sidecar-${result.variant}.log`;
  let groups: string[];
  try {
    groups = (await readdir(logsDir, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return { found: false, reason: `no run folder at ${logsDir} (pass --logs DIR, the run's <out>/logs)` };
  }
  const candidates: { file: string; text: string }[] = [];
  for (const group of groups.sort()) {
    const file = join(logsDir, group, name);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) candidates.push({ file, text });
  }
  if (candidates.length === 0) return { found: false, reason: `no ${name} under ${logsDir}` };
  const bucket = result.attempts.find((a) => a.bucketName)?.bucketName;
  const chosen = (bucket && candidates.find((c) => c.text.includes(bucket))) || candidates[0];
  if (!chosen) return { found: false, reason: `no ${name} under ${logsDir}` };
  const windows = excerptAround(chosen.text, result, options);
  if (windows.length === 0) return { found: false, reason: `${chosen.file} has no timestamped lines` };
  return { found: true, file: chosen.file, windows };
}
