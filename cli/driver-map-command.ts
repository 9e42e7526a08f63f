import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type DriverMapResults,
  provisionBinary,
  runDriverMap,
  SAMPLE_COSI_DRIVER,
  sidecarReactions,
  VERSITYGW,
} from '../harness/index.ts';
import { readResults, renderDriverMapMarkdown } from '../reports/index.ts';
import { EXIT } from './exit-codes.ts';

export interface DriverMapFlags {
  /** A matrix or sweep results.json: what each sidecar build does with the codes the driver returned. */
  sidecars?: string;
  out: string;
}

/**
 * `cosi-chaos driver-map`: causes each backend failure for real (the upstream sample driver on a versitygw
 * server), writes driver-map.json and driver-map.md, prints the table. It measures and does not judge: exit 0
 * once every failure was measured, 3 when the stack could not run.
 */
export async function driverMapCommand(flags: DriverMapFlags, log: (line: string) => void): Promise<number> {
  // Read first: a bad results file is bad input, before anything is built or started.
  const sidecars = flags.sidecars ? await readResults(resolve(flags.sidecars)) : undefined;
  const out = resolve(flags.out);
  await mkdir(out, { recursive: true });
  const startedAt = new Date().toISOString();
  const driver = await provisionBinary(SAMPLE_COSI_DRIVER);
  const server = await provisionBinary(VERSITYGW);
  const cases = await runDriverMap({
    sampleDriver: driver.path,
    versitygw: server.path,
    workDir: join(out, 'logs'),
  });
  const results: DriverMapResults = {
    schemaVersion: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    components: [driver.component, server.component, ...(sidecars?.components ?? [])],
    ...(flags.sidecars ? { sidecarResults: flags.sidecars } : {}),
    cases: cases.map((c) => (sidecars ? { ...c, sidecars: sidecarReactions(c, sidecars) } : c)),
  };
  const markdown = renderDriverMapMarkdown(results);
  await writeFile(join(out, 'driver-map.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(out, 'driver-map.md'), markdown);
  log(markdown);
  log(`driver map: ${join(out, 'driver-map.json')} (+ .md; driver and server logs in ${join(out, 'logs')})`);
  return EXIT.ok;
}
