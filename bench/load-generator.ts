import { connectCosiClient } from '../mock-driver/index.ts';

export interface LoadOptions {
  // Calls kept in flight at once (default 32).
  concurrency: number;
  // Calls made before measuring starts, for JIT and connection warm-up; not counted (default 1 s).
  warmupMs: number;
  // Measured period (default 5 s).
  durationMs: number;
  // Bucket names cycle through this many values: the backend's create is idempotent, so the store stays small.
  distinctNames: number;
}

export const DEFAULT_LOAD_OPTIONS: LoadOptions = {
  concurrency: 32,
  warmupMs: 1_000,
  durationMs: 5_000,
  distinctNames: 1_024,
};

export interface LoadResult {
  calls: number;
  errors: number;
  // Code and message of the first non-OK answer, when there was one.
  firstError?: string;
  seconds: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

// Nearest-rank percentile of an ascending array.
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

// v1alpha1 DriverCreateBucket against target ("unix:/path") with `concurrency` calls in flight over one channel.
export async function runCreateBucketLoad(target: string, options: LoadOptions): Promise<LoadResult> {
  const client = connectCosiClient('v1alpha1', target);
  let sequence = 0;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;

  const phase = async (ms: number, record: boolean) => {
    const end = performance.now() + ms;
    const worker = async () => {
      while (performance.now() < end) {
        const name = `bench-${sequence++ % options.distinctNames}`;
        const started = performance.now();
        const result = await client.call('DriverCreateBucket', { name, parameters: {} });
        if (!record) continue;
        latencies.push(performance.now() - started);
        if (result.code !== 'OK') {
          errors++;
          firstError ??= `${result.code}: ${result.message ?? ''}`;
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    return (performance.now() - started) / 1000;
  };

  try {
    await phase(options.warmupMs, false);
    const seconds = await phase(options.durationMs, true);
    const sorted = Float64Array.from(latencies).sort();
    return {
      calls: latencies.length,
      errors,
      ...(firstError !== undefined ? { firstError } : {}),
      seconds,
      callsPerSecond: latencies.length / seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
    };
  } finally {
    client.close();
  }
}
