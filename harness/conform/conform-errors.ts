/** Bad input to `conform` (no such socket, an unknown case id, a bad k=v): nothing ran; the CLI exits 2. */
export class ConformInputError extends Error {
  override readonly name = 'ConformInputError';
}

/** The driver could not be started or reached, or serves no COSI era: infrastructure, the CLI exits 3. */
export class ConformTargetError extends Error {
  override readonly name = 'ConformTargetError';
}
