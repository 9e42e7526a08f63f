import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connects } from '../driver/listener-probe.ts';
import { SampleDriverProcess } from '../driver/sample-driver-process.ts';
import { VersityGwProcess } from '../driver/versitygw-process.ts';
import type { ConformComponent } from './conform-results.ts';
import type { BackendControl, ConformTarget, TargetBucket } from './conform-target.ts';

/** The sample driver's two S3 modes: a real S3 server behind it, or buckets in its own memory. */
export type SampleMode = 's3:impl' | 's3:fake';

export interface SampleTargetOptions {
  mode: SampleMode;
  sampleDriver: string;
  versitygw: string;
  workDir: string;
  components: ConformComponent[];
}

const OBJECT = 'conform-object.txt';

/**
 * The upstream sample driver (cosi.v1alpha1 only) with a versitygw server of its own. In s3:impl the harness
 * runs the backend, so it can put an object in a bucket (the posix backend keeps each object as a file in the
 * bucket's directory) and stop the server. In s3:fake the buckets live in the driver's memory: nothing to control
 * (the server is started only because the driver's start-up reads its address; it never calls it).
 */
export class SampleConformTarget implements ConformTarget {
  readonly eras = ['v1alpha1'] as const;
  readonly backend: BackendControl | undefined;
  readonly noBackendControlReason: string;
  readonly description: string;

  private constructor(
    private readonly mode: SampleMode,
    private readonly s3: VersityGwProcess,
    private readonly driver: SampleDriverProcess,
    readonly components: readonly ConformComponent[],
  ) {
    this.description = `upstream sample driver, ${mode}${mode === 's3:impl' ? ` on versitygw at ${s3.endpoint}` : ' (buckets in its memory)'}`;
    this.noBackendControlReason =
      mode === 's3:fake'
        ? 'sample driver in s3:fake mode: its buckets are in its own memory, no backend state to reach (run with --driver sample, or give a --hook-* command)'
        : '';
    this.backend =
      mode === 's3:impl'
        ? {
            source: 'harness',
            makeBucketNonEmpty: (b) => this.putObject(b),
            emptyBucket: (b) => this.removeObject(b),
            stopBackend: () => this.stopServer(),
          }
        : undefined;
  }

  static async start(opts: SampleTargetOptions): Promise<SampleConformTarget> {
    await mkdir(opts.workDir, { recursive: true });
    const id = opts.mode === 's3:impl' ? 'conform' : 'conform-fake';
    const s3 = await VersityGwProcess.start({ binary: opts.versitygw, id, workDir: opts.workDir });
    try {
      const driver = await SampleDriverProcess.start({
        binary: opts.sampleDriver,
        id,
        driverName: 'sample.conform.cosi-chaos.io',
        workDir: opts.workDir,
        s3,
        config: { mode: opts.mode },
      });
      return new SampleConformTarget(opts.mode, s3, driver, opts.components);
    } catch (error) {
      await s3.stop();
      throw error;
    }
  }

  /** Bucket directories on the S3 server now (s3:impl): what a run left behind shows here, whatever it reported. */
  async serverBuckets(): Promise<string[]> {
    const entries = await readdir(this.s3.dataDir, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  }

  get address(): string {
    return `unix:${this.driver.socketPath}`;
  }

  async stop(): Promise<void> {
    await this.driver.stop();
    await this.s3.stop();
    // Its data dir holds only what the run created (and could not remove): nothing worth keeping.
    await rm(this.s3.dataDir, { recursive: true, force: true });
  }

  private async putObject(bucket: TargetBucket): Promise<string> {
    const dir = join(this.s3.dataDir, bucket.name);
    if (!existsSync(dir))
      return `no directory ${bucket.name} in versitygw's data dir: the object was not written`;
    await writeFile(join(dir, OBJECT), 'an object the bucket still holds\n');
    return `object ${OBJECT} written into ${bucket.name} on the server`;
  }

  private async removeObject(bucket: TargetBucket): Promise<string> {
    const file = join(this.s3.dataDir, bucket.name, OBJECT);
    const held = existsSync(file);
    await rm(file, { force: true });
    return held ? 'the object was still there after the call' : 'the object was gone after the call';
  }

  private async stopServer(): Promise<string> {
    await this.s3.stop();
    const exit = await this.s3.process.exited;
    const [host, port] = this.s3.endpoint.split(':');
    const refused = !(await connects({ host, port: Number(port) }));
    return `versitygw stopped (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`}), ${this.s3.endpoint} ${refused ? 'refusing connections' : 'STILL ACCEPTING connections'}`;
  }
}
