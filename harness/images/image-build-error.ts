/**
 * An image could not be built here: a tool is missing or failed. `hint` says what to do next (the package to
 * install, the build to run); `output` is the tool's own message, the cause kept.
 */
export class ImageBuildError extends Error {
  override readonly name = 'ImageBuildError';
  constructor(
    readonly image: string,
    readonly step: string,
    readonly output: string,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot build image ${image} (${step}): ${lastLines(output)}\n${hint}`, options);
  }
}

function lastLines(output: string): string {
  return output.trim().split('\n').slice(-8).join('\n');
}
