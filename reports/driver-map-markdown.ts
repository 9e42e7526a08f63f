import type { DriverMapResults, SidecarReaction } from '../harness/results/driver-map-results.ts';
import { mdCell } from './markdown-text.ts';

const row = (cells: string[]) => `| ${cells.map(mdCell).join(' | ')} |`;

// U8: unbounded, 8 attempts in the window (as the sweep table writes them); ok: taken as done.
function reaction(r: SidecarReaction | undefined): string {
  if (!r || r.outcome === 'not-measured') return '?';
  if (r.outcome === 'success') return 'ok';
  const letter = { terminal: 'T', bounded: 'B', unbounded: 'U', 'never-called': 'N', crashed: 'X' }[
    r.outcome
  ];
  return `${letter}${r.attempts ?? ''}`;
}

/** The driver error-mapping report: per backend failure, the code returned, the code the spec asks, and each build. */
export function renderDriverMapMarkdown(m: DriverMapResults): string {
  const variants = [...new Set(m.cases.flatMap((c) => (c.sidecars ?? []).map((s) => s.variant)))];
  const out = [
    '# Driver error mapping',
    '',
    'Each backend failure caused for real against the S3 server, the gRPC code the driver returned, the code the ' +
      'COSI spec asks for it, and what each sidecar build does with the returned code' +
      (m.sidecarResults
        ? ` (its "always" cell for that RPC and code in ${m.sidecarResults}: T terminal, U unbounded, B bounded, N never called, X crashed, with the attempts in the window; ok: taken as done; ?: not measured).`
        : ' (not read: pass --sidecars with a matrix or sweep results.json).'),
    '',
    row(['Failure', 'RPC', 'Driver returned', 'Spec asks', 'Conforms', ...variants]),
    `|${Array(5 + variants.length)
      .fill('---')
      .join('|')}|`,
    ...m.cases.map((c) =>
      row([
        c.failure,
        c.rpc,
        `${c.returned.code}${c.returned.message ? ` "${c.returned.message.slice(0, 80)}"` : ''}`,
        c.specCodes.join(' or '),
        c.conforms ? 'yes' : 'NO',
        ...variants.map((v) => reaction(c.sidecars?.find((s) => s.variant === v))),
      ]),
    ),
    '',
    '## How each failure was caused, and where the expected code comes from',
    '',
    ...m.cases.flatMap((c) => [
      `- **${c.id}**: ${c.how}. After the call: ${c.evidence}; ${c.returned.latencyMs} ms. Expected: ${c.specSource}.`,
    ]),
    '',
    '## Components',
    '',
    ...m.components.map((c) => `- ${c.name} ${c.version} (${c.source})`),
    '',
  ];
  return out.join('\n');
}
