import { connectCosiClient } from '../mock-driver/index.ts';
import { benchScenarioName, SCENARIO_PARAMETER } from './bench-rules.ts';

export interface LoadOptions {
  // Calls kept in flight at once (default 32).
  concurrency: number;
  // Calls made before measuring starts, for JIT and connection warm-up; not counted (default 1 s).
  warmupMs: number;
  // Measured time per server (default 5 s), in turns of sliceMs when several servers take turns.
  durationMs: number;
  // Length of one turn (default 500 ms).
  sliceMs: number;
  // Bucket names cycle through this many values: the backend's create is idempotent, so the store stays small.
  distinctNames: number;
}

export const DEFAULT_LOAD_OPTIONS: LoadOptions = {
  concurrency: 32,
  warmupMs: 1_000,
  durationMs: 5_000,
  sliceMs: 500,
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
  // CPU time the server process spent per measured call, when its CPU can be read (Linux).
  serverCpuUsPerCall?: number;
}

// Nearest-rank percentile of an ascending array.
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

// v1alpha1 DriverCreateBucket against one server ("unix:/path") with `concurrency` calls in flight over one
// channel, in periods: several loads can take turns, so load from other processes hits each of them alike.
// Every call carries a scenario parameter, as the harness's BucketClasses do, whatever rules the target has.
// serverCpuSeconds, read as the first measured period starts and the last ends, gives serverCpuUsPerCall.
export class CreateBucketLoad {
  private readonly client;
  private sequence = 0;
  private readonly latencies: number[] = [];
  private errors = 0;
  private firstError: string | undefined;
  private measuredSeconds = 0;
  private cpuAtFirstMeasure: number | undefined;
  private cpuAtLastMeasure: number | undefined;

  constructor(
    target: string,
    private readonly options: LoadOptions,
    private readonly serverCpuSeconds?: () => number | undefined,
  ) {
    this.client = connectCosiClient('v1alpha1', target);
  }

  // Seconds measured so far.
  get measured(): number {
    return this.measuredSeconds;
  }

  // Keeps `concurrency` calls in flight for ms, then waits for the last answers; `record` counts the period.
  async run(ms: number, record: boolean): Promise<void> {
    if (record && this.cpuAtFirstMeasure === undefined) this.cpuAtFirstMeasure = this.serverCpuSeconds?.();
    const end = performance.now() + ms;
    const worker = async () => {
      while (performance.now() < end) {
        const bucketNumber = this.sequence++ % this.options.distinctNames;
        const parameters = { [SCENARIO_PARAMETER]: benchScenarioName(bucketNumber) };
        const started = performance.now();
        const result = await this.client.call('DriverCreateBucket', {
          name: `bench-${bucketNumber}`,
          parameters,
        });
        if (!record) continue;
        this.latencies.push(performance.now() - started);
        if (result.code !== 'OK') {
          this.errors++;
          this.firstError ??= `${result.code}: ${result.message ?? ''}`;
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: this.options.concurrency }, worker));
    if (!record) return;
    this.measuredSeconds += (performance.now() - started) / 1000;
    this.cpuAtLastMeasure = this.serverCpuSeconds?.();
  }

  // What the measured periods saw, together.
  result(): LoadResult {
    const calls = this.latencies.length;
    const sorted = Float64Array.from(this.latencies).sort();
    const cpuSeconds =
      this.cpuAtFirstMeasure !== undefined && this.cpuAtLastMeasure !== undefined && calls > 0
        ? this.cpuAtLastMeasure - this.cpuAtFirstMeasure
        : undefined;
    return {
      calls,
      errors: this.errors,
      ...(this.firstError !== undefined ? { firstError: this.firstError } : {}),
      seconds: this.measuredSeconds,
      callsPerSecond: calls / this.measuredSeconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      ...(cpuSeconds !== undefined ? { serverCpuUsPerCall: (cpuSeconds * 1e6) / calls } : {}),
    };
  }

  close(): void {
    this.client.close();
  }
}
