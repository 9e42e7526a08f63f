import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningBenchServer, startBenchServer } from './bench-server.ts';
import { CreateBucketLoad, type LoadOptions, type LoadResult } from './load-generator.ts';

// The interposer's cost per call: the same DriverCreateBucket load, one call at a time (so queueing does not
// hide or inflate it), sent straight to the Go server and through `cosi-chaos driver --upstream` in front of it,
// in alternating turns (and through a bare grpc-js forwarder, for reference). Overhead is the difference of the two p50s; the target is at most 1 ms.
export const INTERPOSER_P50_TARGET_MS = 1;

// Warm-up per path before measuring, at least. The Node forwarders take about 3 s of one-at-a-time calls to settle:
// per 500 ms turn after a 1 s warm-up, the bare forwarder's p50 went 1.45 1.72 1.35 1.15 1.08 0.88 ms and the
// interposer's 1.70 1.62 1.47 1.51 1.35 1.23 1.09 ms before both leveled off (the Go server's from the first turn),
// so a 5 s run with the default 1 s warm-up measured part of the JIT's start, not the steady state of a
// long-running proxy.
export const INTERPOSER_MIN_WARMUP_MS = 5_000;

const CREATE_BUCKET_PATH = '/cosi.v1alpha1.Provisioner/DriverCreateBucket';

export interface InterposerOverhead {
  direct: LoadResult;
  interposed: LoadResult;
  /** Through bench/grpc-passthrough.ts: grpc-js's own cost of a forward, for reference. */
  passthrough: LoadResult;
  overheadP50Ms: number;
  /** What the bare grpc-js forwarder adds at p50: the floor a grpc-js-served forwarder starts from. */
  passthroughOverheadP50Ms: number;
  overheadP99Ms: number;
  verdict: 'PASS' | 'MISS';
}

export async function measureInterposerOverhead(
  goBinary: string,
  repoRoot: string,
  workDir: string,
  load: LoadOptions,
  /** Write a V8 CPU profile of the interposer process here. */
  cpuProfDir?: string,
): Promise<InterposerOverhead> {
  const servers: RunningBenchServer[] = [];
  const loads: CreateBucketLoad[] = [];
  try {
    const goSocket = join(workDir, 'interposer-upstream.sock');
    const direct = await startBenchServer({
      label: 'Go server (behind the interposer)',
      command: goBinary,
      args: ['-socket', goSocket, '-name', 'bench', '-exit-on-stdin-eof'],
      socketPath: goSocket,
      logFile: join(workDir, 'interposer-upstream.log'),
    });
    servers.push(direct);
    const rulesFile = join(workDir, 'interposer-rules.yaml');
    writeFileSync(rulesFile, 'rules: []\n');
    const socketPath = join(workDir, 'interposer.sock');
    const interposer = await startBenchServer({
      label: 'interposer',
      command: process.execPath,
      args: [
        ...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', join(cpuProfDir, 'interposer')] : []),
        '--import',
        'tsx',
        'mock-driver/main.ts',
        '--socket',
        socketPath,
        '--name',
        'bench',
        '--rules',
        rulesFile,
        '--admin',
        '127.0.0.1:0',
        '--exit-on-stdin-eof',
        // Journal on, as the harness runs it.
        '--journal',
        join(workDir, 'interposer.journal.jsonl'),
        '--upstream',
        `unix://${goSocket}`,
      ],
      cwd: repoRoot,
      socketPath,
      logFile: join(workDir, 'interposer.log'),
    });
    servers.push(interposer);
    const passthroughSocket = join(workDir, 'passthrough.sock');
    const passthrough = await startBenchServer({
      label: 'bare grpc-js forwarder',
      command: process.execPath,
      args: [
        '--import',
        'tsx',
        'bench/grpc-passthrough.ts',
        '--socket',
        passthroughSocket,
        '--upstream',
        `unix://${goSocket}`,
        '--path',
        CREATE_BUCKET_PATH,
      ],
      cwd: repoRoot,
      socketPath: passthroughSocket,
      logFile: join(workDir, 'passthrough.log'),
    });
    servers.push(passthrough);
    const serial = { ...load, concurrency: 1 };
    const directLoad = new CreateBucketLoad(direct.target, serial);
    const interposedLoad = new CreateBucketLoad(interposer.target, serial);
    const passthroughLoad = new CreateBucketLoad(passthrough.target, serial);
    loads.push(directLoad, interposedLoad, passthroughLoad);
    for (const each of loads) await each.run(Math.max(serial.warmupMs, INTERPOSER_MIN_WARMUP_MS), false);
    const turns = Math.max(1, Math.ceil(serial.durationMs / serial.sliceMs));
    for (let turn = 0; turn < turns; turn++) {
      // Each path goes first, second and third in turn, so load from elsewhere hits them alike.
      for (let i = 0; i < loads.length; i++) {
        await (loads[(turn + i) % loads.length] as CreateBucketLoad).run(serial.durationMs / turns, true);
      }
    }
    const directResult = directLoad.result();
    const interposedResult = interposedLoad.result();
    const passthroughResult = passthroughLoad.result();
    const overheadP50Ms = interposedResult.p50Ms - directResult.p50Ms;
    return {
      direct: directResult,
      interposed: interposedResult,
      passthrough: passthroughResult,
      overheadP50Ms,
      passthroughOverheadP50Ms: passthroughResult.p50Ms - directResult.p50Ms,
      overheadP99Ms: interposedResult.p99Ms - directResult.p99Ms,
      verdict: overheadP50Ms <= INTERPOSER_P50_TARGET_MS ? 'PASS' : 'MISS',
    };
  } finally {
    for (const each of loads) each.close();
    await Promise.all(servers.map((server) => server.stop()));
  }
}

export function renderInterposerMarkdown(result: InterposerOverhead): string {
  const row = (label: string, each: LoadResult) =>
    `| ${label} | ${each.calls} | ${each.p50Ms.toFixed(3)} | ${each.p99Ms.toFixed(3)} | ${each.errors} |`;
  return [
    '',
    '### Interposer overhead (`cosi-chaos driver --upstream` in front of the Go server, one call at a time)',
    '',
    '| path | calls | p50 ms | p99 ms | errors |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('direct to the Go server', result.direct),
    row('through the interposer', result.interposed),
    row('through a bare grpc-js forwarder (reference)', result.passthrough),
    '',
    `- ${result.verdict}: interposer adds ${result.overheadP50Ms.toFixed(3)} ms at p50 (target <= ${INTERPOSER_P50_TARGET_MS} ms), ${result.overheadP99Ms.toFixed(3)} ms at p99`,
    `- a bare grpc-js forwarder (grpc-js server and client, nothing else) adds ${result.passthroughOverheadP50Ms.toFixed(3)} ms at p50; the interposer (grpc-js server, node:http2 client, rules, journal, metrics) adds ${(result.overheadP50Ms - result.passthroughOverheadP50Ms).toFixed(3)} ms more (negative: less)`,
    '',
  ].join('\n');
}
