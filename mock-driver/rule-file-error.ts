// A rule file (or PUT /rules body) that cannot be used. Carries where the problem is so the CLI can print one
// line an editor can jump to; the previous rules stay in force wherever this is thrown during a reload.
export class RuleFileError extends Error {
  constructor(
    // File path, or a label such as "PUT /rules" for text that came from elsewhere.
    readonly file: string,
    // 1-based; 0 when the problem is not tied to a place (e.g. unreadable file).
    readonly line: number,
    readonly column: number,
    // Dotted JSON path, e.g. rules[2].action.error.code; '' for the whole document.
    readonly path: string,
    // What is wrong and what to write instead.
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    const where = line > 0 ? `${file}:${line}:${column}` : file;
    super(`${where}: ${path ? `${path}: ` : ''}${reason}`, options);
    this.name = 'RuleFileError';
  }
}
