import { checksumHint } from './go-module-download.ts';

/** A Go build failed; `output` is the go command's own message, which says what was missing. */
export class BuildError extends Error {
  override readonly name = 'BuildError';
  constructor(
    readonly component: string,
    readonly version: string,
    readonly origin: string,
    readonly workDir: string,
    readonly output: string,
  ) {
    super(
      `building ${component} ${version} from ${origin} failed (generated module in ${workDir}):\n` +
        output.trim().split('\n').slice(-15).join('\n') +
        (checksumHint(output) ? `\n${checksumHint(output)}` : ''),
    );
  }

  /** What to do next when the checksum database could not vouch for a module; undefined otherwise. */
  get hint(): string | undefined {
    return checksumHint(this.output);
  }

  /** True when the module proxy refused the version (it is not available here, not a compile error). */
  get moduleUnavailable(): boolean {
    return /403 Forbidden|not available|unrecognized import path|invalid version/.test(this.output);
  }
}
