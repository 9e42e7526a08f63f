import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResults } from '../harness/results/run-results.ts';
import { renderHtml } from './html-report.ts';
import { loadFixture } from './testdata/fixture.ts';

// CHROMIUM_PATH overrides; otherwise the Debian package's binary, then common alternatives.
function findChromium(): string | undefined {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ];
  return candidates.find((c): c is string => c !== undefined && c !== '' && existsSync(c));
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('renderHtml', () => {
  let results: RunResults;
  let html: string;
  beforeAll(async () => {
    results = await loadFixture();
    html = renderHtml(results);
  });

  it('is one self-contained document: inline CSS, no scripts, no external URLs', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/\b(?:src|href)="(?!#)/i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/url\(/i);
  });

  it('draws exactly one attempt mark per attempt, with its code', () => {
    const attempts = results.scenarios.flatMap((r) => r.attempts);
    expect(count(html, 'class="attempt-mark"')).toBe(attempts.length);
    for (const code of new Set(attempts.map((a) => a.code))) {
      expect(count(html, `class="attempt-mark" data-code="${code}"`)).toBe(
        attempts.filter((a) => a.code === code).length,
      );
    }
  });

  it('positions marks by offset over the window: the COSI-86 loop spreads to the right edge', () => {
    const row = html.slice(
      html.indexOf('data-variant="upstream-v1alpha1"'),
      html.indexOf('data-variant="upstream-v1alpha2"'),
    );
    const xs = [...row.matchAll(/class="attempt-mark"[^>]* x="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(xs).toHaveLength(11);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    // Label column 330, plot 550 wide over 90 s: the last attempt at 82.35 s sits near x = 330 + 0.915 * 550.
    expect(xs.at(-1)).toBeCloseTo(330 + (82_350 / 90_000) * 550 - 1, 0);
    expect(row).toContain('class="still-retrying"');
  });

  it('renders the matrix as heat maps with non-conforming cells marked', () => {
    expect(count(html, '<table class="heat-map"')).toBe(2);
    const cells = results.scenarios.filter((r) => r.cell);
    expect(count(html, 'class="heat-cell')).toBe(cells.length);
    expect(count(html, 'class="heat-cell non-conforming"')).toBe(
      cells.filter((r) => r.policy && !r.policy.conforms).length,
    );
  });

  it('draws a fitted backoff curve per distinct variant fit', () => {
    // cosi-86 (one fit), transient-unavailable (one), matrix (v1alpha1 100 ms and v1alpha2 5 ms).
    expect(count(html, '<polyline class="backoff-curve"')).toBe(4);
  });

  it('escapes text from the results', async () => {
    const r = await loadFixture();
    r.loadErrors = [{ file: '<img src=x>.yaml', message: '"quoted" & <b>' }];
    const out = renderHtml(r);
    expect(out).toContain('&lt;img src=x&gt;.yaml');
    expect(out).toContain('&quot;quoted&quot; &amp; &lt;b&gt;');
    expect(out).not.toContain('<img');
  });
});

describe('renderHtml in headless Chromium', () => {
  const chromium = findChromium();
  if (!chromium) {
    console.warn(
      'SKIPPED html-report browser test: no Chromium found (set CHROMIUM_PATH or `apt-get install -y chromium`).',
    );
  }
  let dir: string;
  let page: string;
  let attempts: number;

  beforeAll(async () => {
    if (!chromium) return;
    dir = await mkdtemp(join(tmpdir(), 'html-report-'));
    const results = await loadFixture();
    attempts = results.scenarios.reduce((n, r) => n + r.attempts.length, 0);
    page = join(dir, 'report.html');
    await writeFile(page, renderHtml(results));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // No network, no profile reuse: a fresh user-data-dir per invocation, everything that phones home disabled.
  const run = async (...extra: string[]) => {
    const profile = await mkdtemp(join(dir, 'profile-'));
    return execa(
      chromium as string,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--window-size=1200,900',
        ...extra,
        pathToFileURL(page).href,
      ],
      { timeout: 90_000 },
    );
  };

  it.skipIf(!chromium)('renders a screenshot that is not blank', { timeout: 120_000 }, async () => {
    const shot = join(dir, 'shot.png');
    await run(`--screenshot=${shot}`);
    const png = PNG.sync.read(await readFile(shot));
    expect(png.width).toBe(1200);
    const colours = new Set<number>();
    let nonWhite = 0;
    let red = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i] as number, png.data[i + 1] as number, png.data[i + 2] as number];
      colours.add((r << 16) | (g << 8) | b);
      if (r < 245 || g < 245 || b < 245) nonWhite++;
      // InvalidArgument marks (#d62728) in the COSI-86 timeline, which sits above the fold.
      if (r > 180 && g < 80 && b < 80) red++;
    }
    const pixels = png.width * png.height;
    expect(colours.size).toBeGreaterThan(50);
    expect(nonWhite / pixels).toBeGreaterThan(0.03);
    expect(red).toBeGreaterThan(20);
  });

  it.skipIf(!chromium)(
    'holds one attempt-mark element per attempt in the rendered DOM',
    { timeout: 120_000 },
    async () => {
      const { stdout } = await run('--dump-dom');
      expect(stdout).toContain('<svg class="timeline"');
      expect(count(stdout, 'class="attempt-mark"')).toBe(attempts);
    },
  );
});
