import { Counter, Histogram, Registry } from 'prom-client';
import type { JournalEntry } from './call-journal.ts';

// Prometheus view of the journal for GET /metrics. A registry per driver, so in-process drivers do not share.
export class DriverMetrics {
  readonly registry = new Registry();
  private readonly calls = new Counter({
    name: 'cosi_mock_driver_calls_total',
    help: 'COSI calls answered by the mock driver, by era, rpc and result code',
    labelNames: ['era', 'rpc', 'code'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'cosi_mock_driver_call_latency_seconds',
    help: 'Time from receiving a COSI call to answering (or abandoning) it',
    labelNames: ['era', 'rpc'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });

  // Every call grpc-js accepted, from the gRPC server's own counter: above cosi_mock_driver_calls_total by the calls
  // answered before any driver code (an unknown method, a non-gRPC content type) plus those still in flight.
  private grpcCallsSource: (() => number) | undefined;
  private grpcCallsAtReset = 0;

  constructor() {
    const metrics = this;
    new Counter({
      name: 'cosi_mock_driver_grpc_calls_started_total',
      help: 'gRPC calls the mock driver server accepted, journaled or not (unknown methods included)',
      registers: [this.registry],
      collect() {
        if (!metrics.grpcCallsSource) return;
        this.reset();
        this.inc(Math.max(0, metrics.grpcCallsSource() - metrics.grpcCallsAtReset));
      },
    });
  }

  // Set once the gRPC server is up.
  countGrpcCalls(source: () => number): void {
    this.grpcCallsSource = source;
  }

  observe(entry: JournalEntry): void {
    this.calls.inc({ era: entry.era, rpc: entry.rpc, code: entry.code });
    this.latency.observe({ era: entry.era, rpc: entry.rpc }, entry.latencyMs / 1000);
  }

  reset(): void {
    this.grpcCallsAtReset = this.grpcCallsSource?.() ?? 0;
    this.registry.resetMetrics();
  }
}
