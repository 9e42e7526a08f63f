import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { XMLParser } from 'fast-xml-parser';
import { lexer, type Token, type Tokens } from 'marked';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResults, ScenarioResult } from '../harness/results/run-results.ts';
import type { WitnessTable } from '../harness/results/witness-results.ts';
import { componentProvenance } from './component-provenance.ts';
import { formatMs } from './format-units.ts';
import { issueTitle, renderIssueReport } from './issue-report.ts';
import { readResults } from './results-file.ts';
import { logLineTime, sidecarLogExcerpt } from './sidecar-log-excerpt.ts';
import { textTimeline } from './text-timeline.ts';

// Real results and sidecar logs of `cosi-chaos run scenarios/cosi-86.yaml` (scripts/regenerate-report-fixtures.sh).
const FIXTURE = 'reports/testdata/cosi-86.results.json';
const LOGS = 'reports/testdata/cosi-86.logs';
const CLI = 'bin/cosi-chaos.js';

/** Every token of a Markdown document, nested ones included (list items, ...), in document order. */
function allTokens(tokens: Token[]): Token[] {
  return tokens.flatMap((t) => [t, ...allTokens(('tokens' in t && (t.tokens as Token[])) || [])]);
}

const headings = (tokens: Token[]) =>
  tokens.filter((t): t is Tokens.Heading => t.type === 'heading').map((t) => t.text);
const tables = (tokens: Token[]) => tokens.filter((t): t is Tokens.Table => t.type === 'table');
const codeBlocks = (tokens: Token[]) => tokens.filter((t): t is Tokens.Code => t.type === 'code');
const header = (t: Tokens.Table) => t.header.map((h) => h.text);
const column = (t: Tokens.Table, name: string) => {
  const i = header(t).indexOf(name);
  return t.rows.map((row) => row[i]?.text ?? '');
};
const attemptsText = (r: ScenarioResult) => `${r.attempts.length}${r.stillRetryingAtEnd ? '+' : ''}`;

describe('report --format issue on the COSI-86 run', () => {
  let results: RunResults;
  let tokens: Token[];
  let markdown: string;

  beforeAll(async () => {
    results = await readResults(FIXTURE);
    const logs = new Map(
      await Promise.all(
        results.scenarios.map(async (r) => [r.variant, await sidecarLogExcerpt(LOGS, r)] as const),
      ),
    );
    const scenarioFile = results.scenarios[0]?.file as string;
    const report = renderIssueReport(results, {
      scenarioFile: { path: scenarioFile.replace(/^\.\//, ''), text: await readFile(scenarioFile, 'utf8') },
      logs,
    });
    if (!report) throw new Error('no issue report for the fixture');
    markdown = report.markdown;
    tokens = lexer(markdown);
  });

  it('suggests the title of the measured bug', () => {
    expect(issueTitle(results.scenarios)).toBe(
      'v1alpha1 sidecar retries InvalidArgument from DriverCreateBucket for ever',
    );
    expect(markdown).toContain(`**Suggested title:** ${issueTitle(results.scenarios)}`);
  });

  it('has the sections a maintainer reads, in order', () => {
    expect(headings(tokens)).toEqual([
      'What happens',
      'Impact',
      'Expected and observed',
      'Reproduce',
      'Environment',
      'Sidecar log around the first and the last attempt',
      'Timeline',
    ]);
  });

  it('tables expected against observed per variant, with the measured attempts', () => {
    const table = tables(tokens).find((t) => header(t).includes('Expected'));
    expect(table).toBeDefined();
    const t = table as Tokens.Table;
    expect(header(t)).toEqual([
      'Variant',
      'Expected',
      'Observed',
      'Attempts',
      'Intervals',
      'Fitted backoff',
      'Events landed',
      'Events refused',
      'status.error',
      'Witnesses',
      'Verdict',
    ]);
    expect(column(t, 'Variant')).toEqual(results.scenarios.map((r) => r.variant));
    expect(column(t, 'Attempts')).toEqual(results.scenarios.map(attemptsText));
    // Each variant's witness verdict, with how many witnesses agreed, from its own table.
    expect(column(t, 'Witnesses')).toEqual(
      results.scenarios.map(
        (r) =>
          `${r.witnesses?.verdict} (${r.witnesses?.rows.filter((w) => w.fidelity === 'agree').length}/${r.witnesses?.rows.length} witnesses agree)`,
      ),
    );
    expect(results.scenarios.every((r) => r.witnesses)).toBe(true);
    const v1alpha2 = results.scenarios.findIndex((r) => r.era === 'v1alpha2');
    expect(column(t, 'status.error')[v1alpha2]).toContain('Invalid bucket name');
  });

  it('projects every loop still retrying per object and per 1,000 objects, with its assumptions', () => {
    const t = tables(tokens).find((x) => header(x).includes('Attempts per object per day')) as Tokens.Table;
    const projected = results.scenarios.filter((r) => r.projection);
    expect(projected.length).toBeGreaterThan(0);
    expect(column(t, 'Variant')).toEqual(projected.map((r) => r.variant));
    const perThousand = column(t, 'Attempts per day, 1,000 objects').map((s) => Number(s.replace(/,/g, '')));
    expect(perThousand).toEqual(projected.map((r) => r.projection?.attemptsPerDayPer1000Objects));
    for (const a of projected[0]?.projection?.assumptions ?? []) expect(markdown).toContain(`- ${a}`);
  });

  it('names module and commit of every component', () => {
    const t = tables(tokens).find((x) => header(x).includes('Commit')) as Tokens.Table;
    expect(header(t)).toEqual(['Component', 'Version', 'Module', 'Commit', 'Source']);
    expect(column(t, 'Component')).toEqual(results.components.map((c) => c.name));
    const sidecar = results.components.find((c) => c.name === 'sidecar v1alpha1-cosi86');
    const row = column(t, 'Component').indexOf('sidecar v1alpha1-cosi86');
    // The COSI-86 build is a pseudo-version: its last 12 characters are the commit.
    expect(column(t, 'Commit')[row]).toBe(sidecar?.version.slice(-12));
    expect(column(t, 'Module')[row]).toBe(
      'sigs.k8s.io/container-object-storage-interface-provisioner-sidecar',
    );
  });

  it('inlines the scenario file and gives a reproduce command the real CLI accepts', async () => {
    const blocks = codeBlocks(allTokens(tokens));
    const yaml = blocks.find((b) => b.lang === 'yaml');
    expect(yaml?.text).toBe((await readFile('scenarios/cosi-86.yaml', 'utf8')).trimEnd());
    const sh = blocks.find((b) => b.lang === 'sh');
    const command = sh?.text.split('\n').find((l) => l.startsWith('npx cosi-chaos run ')) as string;
    expect(command).toContain('--sidecar v1alpha1-cosi86');
    const args = command.replace(/^npx cosi-chaos /, '').split(' ');
    // The scenario the command names exists, and every flag it passes is one `run` has.
    expect((await readFile(args[1] as string, 'utf8')).length).toBeGreaterThan(0);
    const help = await execa('node', [CLI, ...args, '--help']);
    expect(help.exitCode).toBe(0);
    for (const flag of args.filter((a) => a.startsWith('--'))) expect(help.stdout).toContain(flag);
  });

  it('quotes the sidecar log around the first and the last attempt, lines as the sidecar wrote them', async () => {
    const r = results.scenarios.find((x) => x.variant === 'v1alpha1-cosi86') as ScenarioResult;
    const excerpt = await sidecarLogExcerpt(LOGS, r);
    expect(excerpt.found).toBe(true);
    if (!excerpt.found) return;
    const log = await readFile(excerpt.file, 'utf8');
    expect(excerpt.windows.map((w) => w.label)).toEqual(['first attempt', 'last attempt']);
    const year = new Date(r.attempts[0]?.wallTime as string).getUTCFullYear();
    excerpt.windows.forEach((w, i) => {
      const attemptAt = Date.parse((i === 0 ? r.attempts[0] : r.attempts.at(-1))?.wallTime as string);
      for (const line of w.lines) expect(log).toContain(line.replace(/ … \(\d+ more characters\)$/, ''));
      const nearest = Math.min(...w.lines.map((l) => Math.abs((logLineTime(l, year) ?? 0) - attemptAt)));
      expect(nearest).toBeLessThan(1000);
    });
    const blocks = codeBlocks(allTokens(tokens)).filter((b) => b.lang === 'text');
    expect(blocks.some((b) => b.text.includes(excerpt.windows[0]?.lines[0] as string))).toBe(true);
  });

  it('finds the attempt in a log with whole-second times (v1alpha2, zap) by the bucket it names', async () => {
    const r = results.scenarios.find((x) => x.era === 'v1alpha2') as ScenarioResult;
    const excerpt = await sidecarLogExcerpt(LOGS, r, { maxLineChars: 100_000 });
    expect(excerpt.found).toBe(true);
    if (!excerpt.found) return;
    const { bucketName, code } = r.attempts[0] as ScenarioResult['attempts'][number];
    // The sidecar's own error line for the attempt: it names both the bucket and the driver's code.
    expect(excerpt.windows[0]?.lines.some((l) => l.includes(bucketName as string) && l.includes(code))).toBe(
      true,
    );
  });

  it('says plainly when there is no run folder', async () => {
    const r = results.scenarios[0] as ScenarioResult;
    const missing = await sidecarLogExcerpt('reports/testdata/no-such-run/logs', r);
    expect(missing).toEqual({ found: false, reason: expect.stringContaining('no run folder') });
    const report = renderIssueReport(results, {});
    expect(report?.markdown).toContain('No run folder was given: the sidecar logs are not quoted.');
  });

  it('draws one timeline row per variant with every attempt on it', () => {
    const rows = textTimeline(results.scenarios).split('\n').slice(0, -1);
    expect(rows).toHaveLength(results.scenarios.length);
    rows.forEach((row, i) => {
      const comb = row.slice(row.indexOf('|') + 1, row.lastIndexOf('|'));
      const marks = [...comb].reduce((n, c) => n + (c === 'x' ? 1 : /[2-9]/.test(c) ? Number(c) : 0), 0);
      expect(marks).toBe(results.scenarios[i]?.attempts.length);
    });
    expect(codeBlocks(allTokens(tokens)).some((b) => b.text === textTimeline(results.scenarios))).toBe(true);
  });

  it('shows the witness table where a result carries one', () => {
    const r = results.scenarios[0] as ScenarioResult;
    const n = r.attempts.length;
    const witnesses: WitnessTable = {
      driverAttempts: n,
      driverFailedAttempts: n,
      rows: [
        {
          witness: 'sidecar-log',
          measure: '"Add Bucket" log lines',
          expects: 'attempts',
          expected: n,
          count: n,
          fidelity: 'agree',
          reason: `${n} = ${n} attempts`,
        },
        {
          witness: 'events',
          measure: 'Event FailedCreateBucket count',
          expects: 'failed-attempts',
          expected: n,
          count: 0,
          fidelity: 'disagree',
          cause: 'event-refused',
          reason: 'every Event was refused',
        },
      ],
      notMeasured: [],
      verdict: 'explained',
      verdictReason: 'one witness disagrees, with a measured cause.',
    };
    const withWitnesses = { ...results, scenarios: [{ ...r, witnesses }, ...results.scenarios.slice(1)] };
    const md = renderIssueReport(withWitnesses)?.markdown as string;
    const t = tables(lexer(md)).find((x) => header(x).includes('Witnesses')) as Tokens.Table;
    expect(column(t, 'Witnesses')[0]).toBe('explained (1/2 witnesses agree)');
    const rowsTable = tables(allTokens(lexer(md))).find((x) =>
      header(x).includes('What was counted'),
    ) as Tokens.Table;
    expect(column(rowsTable, 'Count')).toEqual([String(n), '0']);
    expect(column(rowsTable, 'Agrees')).toEqual(['agree', 'disagree']);
  });

  it('keeps to GitHub-safe Markdown: no inline SVG, HTML only for <details>', () => {
    const html = allTokens(tokens)
      .filter((t) => t.type === 'html')
      .map((t) => (t as Tokens.HTML).text.trim());
    for (const h of html) expect(h).toMatch(/^<\/?(details|summary|sub)\b/);
    expect(markdown).not.toContain('<svg');
  });
});

// Real results of `cosi-chaos run scenarios/cosi-86.yaml` without --full: every pair decided as soon as certain.
const EARLY_FIXTURE = 'reports/testdata/cosi-86-early.results.json';

/** The tokens of one `## heading` section of a body. */
function section(tokens: Token[], heading: string): Token[] {
  const start = tokens.findIndex((t) => t.type === 'heading' && (t as Tokens.Heading).text === heading);
  const end = tokens.findIndex((t, i) => i > start && t.type === 'heading');
  return tokens.slice(start + 1, end < 0 ? undefined : end);
}

describe('report --format issue on a run decided early', () => {
  let results: RunResults;
  let markdown: string;
  let tokens: Token[];
  let early: ScenarioResult[];

  beforeAll(async () => {
    results = await readResults(EARLY_FIXTURE);
    const run = await execa('node', [CLI, 'report', EARLY_FIXTURE, '--format', 'issue']);
    markdown = run.stdout;
    tokens = lexer(markdown);
    early = results.scenarios.filter((r) => r.decision?.early && r.stillRetryingAtEnd);
  });

  it('is a run of loops decided early, still retrying, with nothing projected', () => {
    expect(results.earlyDecisions).toBe(true);
    expect(early.length).toBeGreaterThan(0);
    expect(results.scenarios.some((r) => r.projection)).toBe(false);
  });

  it('never says a window closed, nor that no loop was still retrying', () => {
    expect(markdown).not.toContain('when the window closed');
    expect(markdown).not.toContain('No loop was still retrying');
    const t = tables(tokens).find((x) => header(x).includes('Observed')) as Tokens.Table;
    const observed = column(t, 'Observed');
    for (const r of early) {
      const when = `still retrying when the run decided it early, ${formatMs(r.decision?.atMs ?? -1)} after the trigger`;
      expect(observed[results.scenarios.indexOf(r)]).toBe(`unbounded, ${when}`);
      expect(markdown).toContain(
        `- \`${r.variant}\` (${r.era}): unbounded, ${attemptsText(r)} attempts in ${formatMs(r.windowMs)} and was ${when}.`,
      );
    }
  });

  it('says under Impact that the run was decided early and how to get the projection, with commands the CLI accepts', async () => {
    const impact = section(tokens, 'Impact');
    const text = impact.map((t) => t.raw).join('');
    expect(text).toContain('This run was decided early');
    for (const r of early)
      expect(text).toContain(`\`${r.variant}\` after ${formatMs(r.decision?.atMs ?? -1)}`);
    expect(text).toContain(`not at the end of the ${formatMs(results.windowMs)} window`);
    const sh = codeBlocks(impact).find((b) => b.lang === 'sh');
    const [runLine, reportLine] = sh?.text.split('\n') ?? [];
    // Every loop decided early is measured again: no --sidecar, so every variant of the scenario runs.
    const runArgs = (runLine as string).replace(/^npx cosi-chaos /, '').split(' ');
    expect(runArgs.slice(0, 2)).toEqual(['run', 'scenarios/cosi-86.yaml']);
    expect(runArgs).toContain('--full');
    expect(runArgs).not.toContain('--sidecar');
    const out = runArgs[runArgs.indexOf('--out') + 1];
    expect(reportLine).toBe(`npx cosi-chaos report ${out}/results.json --format issue`);
    for (const line of [runLine, reportLine] as string[]) {
      const args = line.replace(/^npx cosi-chaos /, '').split(' ');
      const verbs = args.slice(
        0,
        args.findIndex((a) => a.startsWith('--')),
      );
      const help = await execa('node', [CLI, ...verbs, '--help']);
      for (const flag of args.filter((a) => a.startsWith('--'))) expect(help.stdout).toContain(flag);
    }
  });

  it('gives the window and how long each pair was watched under Environment and Timeline', () => {
    const watched = results.scenarios.map((r) => r.windowMs);
    expect(markdown).toContain(
      `window ${formatMs(results.windowMs)}, decided early: every pair watched ${formatMs(Math.min(...watched))} to ${formatMs(Math.max(...watched))} (\`--full\` waits the window out).`,
    );
    expect(markdown).toContain('Attempts over the time watched (');
    expect(markdown).not.toContain('still retrying at the end)');
  });
});

describe('report --format issue on a matrix run', () => {
  it('re-runs the cell with `cosi-chaos matrix`, a command the real CLI accepts', async () => {
    const run = await execa('node', [
      CLI,
      'report',
      'reports/testdata/matrix.results.json',
      '--format',
      'issue',
    ]);
    const tokens = lexer(run.stdout);
    const sh = codeBlocks(allTokens(tokens)).find((b) => b.lang === 'sh');
    const command = sh?.text.split('\n').find((l) => l.startsWith('npx cosi-chaos ')) as string;
    expect(command).toMatch(/^npx cosi-chaos matrix --only /);
    const args = command.replace(/^npx cosi-chaos /, '').split(' ');
    const help = await execa('node', [CLI, ...args, '--help']);
    expect(help.exitCode).toBe(0);
    for (const flag of args.filter((a) => a.startsWith('--'))) expect(help.stdout).toContain(flag);
    expect(codeBlocks(allTokens(tokens)).some((b) => b.lang === 'yaml')).toBe(false);
  });
});

describe('component provenance', () => {
  it('reads module and commit from pseudo-versions and module@sha sources, and a tag from releases', async () => {
    const results = await readResults(FIXTURE);
    for (const c of results.components) {
      const p = componentProvenance(c);
      const pseudo = /\d{14}-([0-9a-f]{12})/.exec(`${c.version} ${c.source}`)?.[1];
      if (pseudo) expect(p.commit).toBe(pseudo);
      if (c.source.startsWith('built from ')) expect(c.source).toContain(p.module?.split(' ')[0]);
      if (!pseudo && /^v\d+\.\d+\.\d+$/.test(c.version)) expect(p.tag).toBe(c.version);
    }
    expect(
      componentProvenance({
        name: 'x',
        version: 'v0.1.1-0.20241126223257-6a5a12cb56ed',
        source: 'KUBEBUILDER_ASSETS',
      }).commit,
    ).toBe('6a5a12cb56ed');
  });
});

describe('cosi-chaos report --format issue --output', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cosi-chaos-issue-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the body and a standalone timeline SVG beside it, one mark per attempt', async () => {
    const out = join(dir, 'cosi-86-issue.md');
    const run = await execa('node', [
      CLI,
      'report',
      FIXTURE,
      '--format',
      'issue',
      '--logs',
      LOGS,
      '--output',
      out,
    ]);
    expect(run.exitCode).toBe(0);
    const body = await readFile(out, 'utf8');
    expect(body).toContain('![attempt timeline](cosi-86-issue.timeline.svg)');
    const svg = await readFile(join(dir, 'cosi-86-issue.timeline.svg'), 'utf8');
    const doc = new XMLParser({ ignoreAttributes: false }).parse(svg);
    expect(doc.svg['@_xmlns']).toBe('http://www.w3.org/2000/svg');
    const results = await readResults(FIXTURE);
    const attempts = results.scenarios.reduce((n, r) => n + r.attempts.length, 0);
    expect(svg.match(/class="attempt-mark"/g)).toHaveLength(attempts);
  });

  it('refuses an unknown scenario with exit 2 and names the ones there are', async () => {
    const run = await execa('node', [CLI, 'report', FIXTURE, '--format', 'issue', '--scenario', 'nope'], {
      reject: false,
    });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('no scenario "nope"; scenarios: cosi-86');
  });
});
