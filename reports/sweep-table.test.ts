import { describe, expect, it } from 'vitest';
import type { SweepEntry, VersionSweep } from '../harness/results/sweep-results.ts';
import { renderSweepJson, renderSweepMarkdown, renderSweepText } from './sweep-table.ts';

const V = ['v1alpha1-v0.1.0', 'v1alpha1-cosi86', 'v1alpha2-main'];

function m(variant: string, outcome: 'terminal' | 'unbounded' | 'never-called' | 'crashed', n: number) {
  return {
    variant,
    status: 'measured',
    outcome,
    attempts: n,
    stillRetryingAtEnd: outcome === 'unbounded',
    sidecarRestarts: outcome === 'crashed' ? 3 : 0,
  } satisfies SweepEntry;
}

const unavailable: SweepEntry = {
  variant: 'v1alpha1-cosi86',
  status: 'unavailable',
  reason: 'go: module not served | 403',
};

/** Three releases, four cells: a first terminal, never, a regression with an unmeasured gap, a failed setup. */
const TABLE: VersionSweep = {
  variants: V,
  patterns: ['always'],
  windowMs: 20_000,
  complete: false,
  rows: [
    {
      rpc: 'create',
      code: 'InvalidArgument',
      pattern: 'always',
      entries: [m(V[0] as string, 'unbounded', 10), unavailable, m(V[2] as string, 'terminal', 1)],
      firstTerminal: 'v1alpha2-main',
      unmeasuredBefore: ['v1alpha1-cosi86'],
      regressedIn: [],
    },
    {
      rpc: 'create',
      code: 'Unavailable',
      pattern: 'always',
      entries: [m(V[0] as string, 'unbounded', 9), unavailable, m(V[2] as string, 'unbounded', 12)],
      firstTerminal: 'never',
      unmeasuredBefore: ['v1alpha1-cosi86'],
      regressedIn: [],
    },
    {
      rpc: 'delete',
      code: 'Internal',
      pattern: 'always',
      entries: [m(V[0] as string, 'terminal', 1), unavailable, m(V[2] as string, 'crashed', 2)],
      firstTerminal: 'v1alpha1-v0.1.0',
      unmeasuredBefore: [],
      regressedIn: ['v1alpha2-main'],
    },
    {
      rpc: 'revoke',
      code: 'Internal',
      pattern: 'always',
      entries: [
        m(V[0] as string, 'never-called', 0),
        unavailable,
        {
          variant: 'v1alpha2-main',
          status: 'not-triggered',
          reason: 'the driver never granted the BucketAccess',
        },
      ],
      firstTerminal: 'never',
      unmeasuredBefore: ['v1alpha1-cosi86', 'v1alpha2-main'],
      regressedIn: [],
    },
  ],
};

describe('sweep table', () => {
  it('renders the plain-text table the CLI prints', () => {
    expect(renderSweepText(TABLE)).toBe(
      [
        'version sweep, window 20 s, pattern always: 7/12 cell x release pairs measured (incomplete)',
        '',
        'RPC     CODE             V1ALPHA1-V0.1.0  V1ALPHA1-COSI86  V1ALPHA2-MAIN  FIRST TERMINAL',
        'create  InvalidArgument  U10              -                T1             v1alpha2-main (or earlier, not measured: v1alpha1-cosi86)',
        'create  Unavailable      U9               -                U12            never (not measured: v1alpha1-cosi86)',
        'delete  Internal         T1               -                X2             v1alpha1-v0.1.0 (called again in v1alpha2-main)',
        'revoke  Internal         N0               -                ?              never (not measured: v1alpha1-cosi86, v1alpha2-main)',
        '',
        'T terminal, B bounded, U unbounded (still retrying), N never called, X crashed; number = attempts in the window; - unavailable here, ? not triggered (setup failed), blank = no result',
        '',
        'not measured:',
        '  v1alpha1-cosi86: unavailable (4 cell(s)): go: module not served | 403',
        '  revoke/Internal on v1alpha2-main: not triggered: the driver never granted the BucketAccess',
      ].join('\n'),
    );
  });

  it('renders Markdown with escaped cells and the gaps listed', () => {
    expect(renderSweepMarkdown(TABLE)).toBe(
      [
        '# cosi-chaos version sweep',
        '',
        "First release (oldest first) in which each cell is terminal: exactly one attempt and no other within the 20 s window. Pattern 'always' (the code on every call). 7/12 cell x release pairs measured (incomplete).",
        '',
        '| RPC | Code | v1alpha1-v0.1.0 | v1alpha1-cosi86 | v1alpha2-main | First terminal |',
        '|---|---|---|---|---|---|',
        '| create | InvalidArgument | U10 | - | T1 | v1alpha2-main (or earlier, not measured: v1alpha1-cosi86) |',
        '| create | Unavailable | U9 | - | U12 | never (not measured: v1alpha1-cosi86) |',
        '| delete | Internal | T1 | - | X2 | v1alpha1-v0.1.0 (called again in v1alpha2-main) |',
        '| revoke | Internal | N0 | - | ? | never (not measured: v1alpha1-cosi86, v1alpha2-main) |',
        '',
        'T terminal, B bounded, U unbounded (still retrying), N never called, X crashed; number = attempts in the window; - unavailable here, ? not triggered (setup failed), blank = no result.',
        '',
        '## Not measured',
        '',
        '- v1alpha1-cosi86: unavailable (4 cell(s)): go: module not served \\| 403',
        '- revoke/Internal on v1alpha2-main: not triggered: the driver never granted the BucketAccess',
        '',
      ].join('\n'),
    );
  });

  it('adds a pattern column when the sweep ran both patterns and names cells without a result', () => {
    const both: VersionSweep = {
      variants: ['v1alpha2-main'],
      patterns: ['always', 'then-ok'],
      windowMs: 60_000,
      complete: false,
      rows: [
        {
          rpc: 'grant',
          code: 'Aborted',
          pattern: 'always',
          entries: [m('v1alpha2-main', 'unbounded', 14)],
          firstTerminal: 'never',
          unmeasuredBefore: [],
          regressedIn: [],
        },
        {
          rpc: 'grant',
          code: 'Aborted',
          pattern: 'then-ok',
          entries: [
            { variant: 'v1alpha2-main', status: 'absent', reason: 'the run has no result for this cell' },
          ],
          firstTerminal: 'never',
          unmeasuredBefore: ['v1alpha2-main'],
          regressedIn: [],
        },
      ],
    };
    const text = renderSweepText(both).split('\n');
    expect(text[0]).toBe(
      'version sweep, window 1 min, pattern always + then-ok: 1/2 cell x release pairs measured (incomplete)',
    );
    expect(text.slice(2, 5)).toEqual([
      'RPC    CODE     PATTERN  V1ALPHA2-MAIN  FIRST TERMINAL',
      'grant  Aborted  always   U14            never',
      'grant  Aborted  then-ok                 never (not measured: v1alpha2-main)',
    ]);
    expect(text.at(-1)).toBe(
      '  grant/Aborted/then-ok on v1alpha2-main: no result: the run has no result for this cell',
    );
    expect(renderSweepMarkdown(both)).toContain(
      "Pattern 'always' (the code on every call) and 'then-ok' (the code 3 times, then OK).",
    );
  });

  it('writes the model as JSON', () => {
    expect(JSON.parse(renderSweepJson(TABLE))).toEqual(TABLE);
    expect(renderSweepJson(TABLE).endsWith('}\n')).toBe(true);
  });
});
