/** A scenario file is not valid; says where (file, line, JSON path) and what to change. Exit code 2. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${path || '(document)'}: ${problem}`);
  }
}

/** Records one problem at a path of the document being checked; the caller knows its file and finds the line. */
export type ReportProblem = (path: readonly (string | number)[], problem: string) => void;
