import type { ScenarioError } from './scenario-error.ts';

/**
 * Scenario files that are not valid: every problem found in them, one ScenarioError each (file, line, path),
 * in file and line order, so one run shows everything to fix. Exit code 2; nothing was started.
 */
export class InvalidScenariosError extends Error {
  override readonly name = 'InvalidScenariosError';
  constructor(readonly problems: readonly ScenarioError[]) {
    const files = [...new Set(problems.map((p) => p.file))];
    super(
      problems.length === 1
        ? (problems[0] as ScenarioError).message
        : [
            `${problems.length} problems in ${files.length === 1 ? files[0] : `${files.length} scenario files`}:`,
            ...problems.map((p) => p.message),
          ].join('\n'),
    );
  }
}
