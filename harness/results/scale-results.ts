// What a scale scenario (spec.scale: N claims failing at once) measured, beside the usual scenario result.

/** Attempts per claim over the fleet (claims never called count as 0). */
export interface PerClaimSpread {
  min: number;
  median: number;
  max: number;
}

/** How many claims ended the window in each outcome (each claim's attempts classified on their own). */
export interface ClaimOutcomes {
  terminal: number;
  bounded: number;
  unbounded: number;
}

/**
 * The sidecar's own log checked per claim: the count of its per-attempt line for the claim's bucket against the
 * driver's calls for that claim (failed calls where the line marks failures).
 */
export interface ScaleWitness {
  witness: 'sidecar-log';
  measure: string;
  /** Lines counted over every claim, up to the window's end. */
  witnessed: number;
  claimsAgree: number;
  /** Off by one where an attempt was in flight at the window's end. */
  claimsInFlight: number;
  claimsDisagree: number;
}

/** Memory and CPU of the harness process and of the scenario's mock driver, read when the result was made. */
export interface ScaleResources {
  harnessRssBytes: number;
  harnessPeakRssBytes: number;
  harnessCpuSeconds: number;
  /** From /proc of the driver's process, where the harness started it. */
  driverRssBytes?: number;
  driverPeakRssBytes?: number;
  driverCpuSeconds?: number;
}

export interface ScaleResult {
  /** Claims the scenario asked for (spec.scale.claims). */
  claims: number;
  /** Claims found in the cluster at the window's end. */
  claimsCreated: number;
  /** Claims the driver never saw a call for in the window. */
  claimsNeverCalled: number;
  /** Time to create the class and the N claims, ms (the window opens when the last one exists). */
  applyMs: number;
  /** The counted RPC's calls of the scenario in the window. */
  attempts: number;
  /** Calls attributed to a claim of the fleet. */
  attributed: number;
  /** Calls of the scenario attributed to no claim, plus calls missing from the journal's sequence. */
  lost: number;
  /** Calls whose bucket name and Bucket object name different claims. */
  misattributed: number;
  attemptsPerClaim: PerClaimSpread;
  /** Claims per outcome; the scenario's outcome is the most persistent one among them. */
  claimOutcomes: ClaimOutcomes;
  /**
   * Attempts per claim-minute: every attributed attempt over the minutes each claim existed (from its create to the
   * window's end), so claims created late in a long apply are not counted as idle.
   */
  attemptsPerClaimPerMinute: number;
  /** Every call the scenario's driver answered per second, from the first claim sent to the window's end. */
  driverCallsPerSecond: number;
  witness?: ScaleWitness;
  resources: ScaleResources;
}
