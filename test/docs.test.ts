import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './e2e/cli-run.ts';

// The docs a newcomer reads: every `cosi-chaos <command> --flag` written in them is a flag that command accepts
// (asked of the real CLI through --help, so a renamed or removed flag fails here), every relative link names a file
// that exists, and every #anchor a heading of that file. README.md stays within 200 lines and keeps the two set-up
// commands .ci/run and CI read.

const CLI = join(PROJECT_ROOT, 'bin', 'cosi-chaos.js');
const DOCS = [
  'README.md',
  'deploy/README.md',
  ...readdirSync(join(PROJECT_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
// Written with the `conform` command, in another change: linked from here before it exists.
const PENDING_LINK_TARGETS = new Set(['docs/conformance.md']);

const read = (doc: string) => readFileSync(join(PROJECT_ROOT, doc), 'utf8');

/** A command's accepted long flags, read from its --help (global --help and --version always). */
async function helpFlags(command: string[]): Promise<{ flags: Set<string>; subcommands: string[] }> {
  const r = await execa(process.execPath, [CLI, ...command, '--help'], { reject: false, all: true });
  const text = String(r.all);
  if (r.exitCode !== 0)
    throw new Error(`cosi-chaos ${command.join(' ')} --help exited ${r.exitCode}:\n${text}`);
  const [, options = '', commands = ''] =
    text.match(/\nOptions:\n([\s\S]*?)(?:\nCommands:\n([\s\S]*))?$/) ?? [];
  const flags = new Set(['--help', '--version']);
  for (const m of options.matchAll(/^ {2}(?:-\w, )?(--[a-z][\w-]*)/gm)) flags.add(m[1] as string);
  const subcommands = [...commands.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1] as string);
  return { flags, subcommands: subcommands.filter((s) => s !== 'help') };
}

/** One `cosi-chaos ...` invocation written in a doc: where, the command words, and the flags given to it. */
interface Invocation {
  doc: string;
  text: string;
  command: string[];
  flags: string[];
}

// An invocation: `cosi-chaos`, `npx cosi-chaos`, `cosi-chaos@0.1.0`, `node bin/cosi-chaos.js`, then its words up to
// a shell separator or a comment. cosi-chaos.io/..., cosi-chaos-up/... and cosi-chaos/scenarios are not one.
const PROGRAM = /^(?:.*\/)?cosi-chaos(?:@[\w.-]+|\.js)?$/;
const SEPARATOR = /^(?:&&|\|\||\||;|#.*|>|>>|<<.*|\)|\\)$/;

function invocationsIn(doc: string, text: string, commands: ReadonlySet<string>): Invocation[] {
  // Code blocks line by line; inline code spans (which may wrap) anywhere else.
  const snippets: string[] = [];
  const prose = text.replace(/^```[^\n]*\n([\s\S]*?)^```/gm, (_, block: string) => {
    snippets.push(...block.split('\n'));
    return '';
  });
  for (const m of prose.matchAll(/`([^`]+)`/g)) snippets.push((m[1] as string).replace(/\s+/g, ' '));
  const found: Invocation[] = [];
  for (const snippet of snippets) {
    const words = snippet.split(/\s+/).filter(Boolean);
    words.forEach((word, i) => {
      if (!PROGRAM.test(word)) return;
      const rest: string[] = [];
      for (const w of words.slice(i + 1)) {
        if (SEPARATOR.test(w) || w.startsWith('#')) break;
        rest.push(w);
      }
      // The command comes first (`cosi-chaos --version` has none); a placeholder (<command>) names nothing to check.
      const first = rest[0];
      if (first?.startsWith('<') || first?.startsWith('[')) return;
      const command = first && !first.startsWith('-') ? [first] : [];
      // Prose that names the tool (help text: "shipped with cosi-chaos by name") is no invocation; a line or span
      // that starts with it, or `npx`/`node` before it, is one, and an unknown command there is reported.
      const invoked = i === 0 || ['npx', 'node', '$', 'exec'].includes(words[i - 1] as string);
      if (!invoked && first && !first.startsWith('-') && !commands.has(first)) return;
      const second = rest[1];
      if (first && second && commands.has(`${first} ${second}`)) command.push(second);
      const flags = rest.flatMap((w) =>
        [...w.matchAll(/(?:^|\[|\()(--[a-z][\w-]*)/g)].map((m) => m[1] as string),
      );
      found.push({ doc, text: snippet.trim(), command, flags });
    });
  }
  return found;
}

// GitHub's heading anchors: lower case, punctuation dropped (hyphens and underscores kept), spaces to hyphens.
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1] as string)));
}

describe('docs', () => {
  const accepted = new Map<string, Set<string>>();
  const commands = new Set<string>();

  beforeAll(async () => {
    const top = await helpFlags([]);
    accepted.set('', top.flags);
    await Promise.all(
      top.subcommands.map(async (c) => {
        commands.add(c);
        // `driver` passes every flag to the mock driver's own parser, whose --help lists them.
        const own = await helpFlags([c]);
        accepted.set(c, own.flags);
        for (const s of own.subcommands) {
          commands.add(`${c} ${s}`);
          accepted.set(`${c} ${s}`, (await helpFlags([c, s])).flags);
        }
      }),
    );
  }, 120_000);

  it('README.md: at most 200 lines, with the two set-up commands exactly as CI reads them', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length - 1).toBeLessThanOrEqual(200);
    expect(readme).toContain('```sh\nnpm ci && npx cosi-chaos run scenarios\n```');
    expect(readme).toContain('```sh\nnpm ci && npm test\n```');
  });

  it('every `cosi-chaos <command> --flag` written in README.md, deploy/README.md and docs/ is accepted', () => {
    const invocations = DOCS.flatMap((doc) => invocationsIn(doc, read(doc), commands));
    // The check must see the docs' commands: a parser that found none would pass anything.
    expect(invocations.filter((i) => i.flags.length > 0).length).toBeGreaterThan(20);
    const wrong: string[] = [];
    for (const inv of invocations) {
      const name = inv.command.join(' ');
      const flags = accepted.get(name);
      if (!flags) {
        if (inv.command.length > 0) wrong.push(`${inv.doc}: no command "${name}" in: ${inv.text}`);
        continue;
      }
      for (const f of inv.flags)
        if (!flags.has(f)) wrong.push(`${inv.doc}: cosi-chaos ${name} has no ${f}, in: ${inv.text}`);
    }
    expect(wrong).toEqual([]);
  });

  it('finds a wrong flag (the parser is not blind): deploy/README.md as it was', () => {
    const old = 'npx cosi-chaos manifests --variant v1alpha1-v0.2.2 --out stack/';
    const [inv] = invocationsIn('x.md', `\`\`\`sh\n${old}\n\`\`\`\n`, commands);
    expect(inv).toMatchObject({ command: ['manifests'], flags: ['--variant', '--out'] });
    expect(accepted.get('manifests')?.has('--variant')).toBe(false);
    expect(accepted.get('manifests')?.has('--sidecar')).toBe(true);
  });

  it('every relative link names a file that exists, and every #anchor a heading in it', () => {
    const broken: string[] = [];
    const pending: string[] = [];
    for (const doc of DOCS) {
      const text = read(doc).replace(/^```[\s\S]*?^```/gm, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1] as string;
        if (/^[a-z]+:/.test(target)) continue;
        const [path = '', anchor] = target.split('#');
        const file = path ? resolve(dirname(join(PROJECT_ROOT, doc)), path) : join(PROJECT_ROOT, doc);
        const shown = relative(PROJECT_ROOT, file);
        if (!existsSync(file)) {
          if (PENDING_LINK_TARGETS.has(shown)) pending.push(`${doc} -> ${target}`);
          else broken.push(`${doc}: ${target} (no ${shown})`);
          continue;
        }
        if (anchor && file.endsWith('.md') && !anchorsOf(file).has(anchor))
          broken.push(`${doc}: ${target} (no heading #${anchor} in ${shown})`);
      }
    }
    if (pending.length) process.stdout.write(`links to pages not written yet: ${pending.join(', ')}\n`);
    expect(broken).toEqual([]);
  });
});
