import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { inClusterUnsupported } from '../harness/driver/in-cluster-identity.ts';
import {
  type DriverMapResults,
  ETCD,
  KUBE_APISERVER,
  provisionBinary,
  runDriverMap,
  SAMPLE_COSI_DRIVER,
  sampleMapTarget,
  scalityMapTarget,
  scalityRevision,
  sidecarReactions,
  VERSITYGW,
} from '../harness/index.ts';
import { readResults, renderDriverMapMarkdown } from '../reports/index.ts';
import { EXIT, UsageError } from './exit-codes.ts';

export interface DriverMapFlags {
  /** sample (default), scality or scality@COMMIT. */
  driver?: string;
  /** A matrix or sweep results.json: what each sidecar build does with the codes the driver returned. */
  sidecars?: string;
  out: string;
}

/**
 * `cosi-chaos driver-map`: causes each backend failure for real (a real driver on a versitygw server), writes
 * driver-map.json and driver-map.md, prints the table. It measures and does not judge: exit 0 once every failure
 * was measured, 3 when the stack could not run.
 */
export async function driverMapCommand(flags: DriverMapFlags, log: (line: string) => void): Promise<number> {
  const which = flags.driver ?? 'sample';
  const revision = which === 'sample' ? undefined : scalityRevision(which);
  if (typeof revision === 'string' || (which !== 'sample' && !which.startsWith('scality')))
    throw new UsageError(
      `--driver "${which}": ${typeof revision === 'string' ? revision : 'expected sample, scality or scality@COMMIT'}`,
    );
  // Read first: a bad results file is bad input, before anything is built or started.
  const sidecars = flags.sidecars ? await readResults(resolve(flags.sidecars)) : undefined;
  const out = resolve(flags.out);
  await mkdir(out, { recursive: true });
  const startedAt = new Date().toISOString();
  const workDir = join(out, 'logs');
  // A previous run's S3 data dir would hold this run's buckets already (every create answered AlreadyExists).
  await rm(workDir, { recursive: true, force: true });
  const server = await provisionBinary(VERSITYGW);
  let components = [server.component];
  let target: Awaited<ReturnType<typeof sampleMapTarget>>;
  if (revision) {
    const why = await inClusterUnsupported();
    if (why) {
      log(`driver map: cannot run the Scality driver here: ${why}`);
      return EXIT.infrastructure;
    }
    const driver = await provisionBinary(revision.recipe);
    const etcd = await provisionBinary(ETCD);
    const apiServer = await provisionBinary(KUBE_APISERVER);
    components = [driver.component, server.component, etcd.component, apiServer.component];
    target = await scalityMapTarget(
      revision,
      {
        etcd: etcd.path,
        kubeApiServer: apiServer.path,
        versitygw: server.path,
        scality: { [revision.commit]: driver.path },
      },
      { workDir },
    );
  } else {
    const driver = await provisionBinary(SAMPLE_COSI_DRIVER);
    components = [driver.component, server.component];
    target = await sampleMapTarget({ sampleDriver: driver.path, versitygw: server.path }, { workDir });
  }
  const cases = await runDriverMap(target, { workDir });
  const results: DriverMapResults = {
    schemaVersion: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    components: [...components, ...(sidecars?.components ?? [])],
    ...(flags.sidecars ? { sidecarResults: flags.sidecars } : {}),
    cases: cases.map((c) => (sidecars ? { ...c, sidecars: sidecarReactions(c, sidecars) } : c)),
  };
  const markdown = renderDriverMapMarkdown(results);
  await writeFile(join(out, 'driver-map.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(out, 'driver-map.md'), markdown);
  log(markdown);
  log(`driver map: ${join(out, 'driver-map.json')} (+ .md; driver and server logs in ${workDir})`);
  return EXIT.ok;
}
