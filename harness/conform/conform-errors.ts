/** Bad input to `conform` (no such socket, an unknown case id, a bad k=v): nothing ran; the CLI exits 2. */
export class ConformInputError extends Error {
  override readonly name = 'ConformInputError';
}

/** What DriverGetInfo answered on one era when the eras were detected. */
export interface EraProbe {
  era: 'v1alpha1' | 'v1alpha2';
  code: string;
  message?: string;
}

/** The driver could not be reached or serves no COSI era: infrastructure, the CLI exits 3. Keeps what each era answered. */
export class ConformTargetError extends Error {
  override readonly name = 'ConformTargetError';
  constructor(
    message: string,
    readonly address: string,
    readonly probes: readonly EraProbe[],
  ) {
    super(message);
  }
}
