import { CONFORM_CASES } from './conform-cases.ts';
import type { ConformEra } from './conform-results.ts';
import { SPEC_RULES } from './spec-citations.ts';

const ERAS: readonly ConformEra[] = ['v1alpha1', 'v1alpha2'];
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * The case reference of docs/conformance.md, generated from the cases and their citations (a test holds the
 * page to it): per case what it checks and expects, and per era the level and the sentence it checks.
 */
export function renderCaseReference(): string {
  const lines: string[] = [];
  for (const c of CONFORM_CASES) {
    lines.push(
      `### \`${c.id}\``,
      '',
      `${c.title}.${c.phase === 'after-cleanup' ? ' Runs after the cleanup.' : ''}`,
      '',
    );
    lines.push('| Era | Level | Expected | Spec |', '|---|---|---|---|');
    for (const era of ERAS) {
      const rule = SPEC_RULES[era][c.rule];
      if (!rule) {
        lines.push(`| ${era} | - | not in this era | - |`);
        continue;
      }
      const { spec } = rule;
      lines.push(
        `| ${era} | ${rule.level} | ${cell(c.expected(era))} | \`${spec.file}\` (${cell(spec.section)}) of ${cell(spec.module)}: "${cell(spec.text)}" |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
