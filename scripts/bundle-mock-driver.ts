// Bundles the mock driver into one ES module, as harness/images does for its FROM-scratch image; the
// Dockerfile in deploy/mock-driver runs this. Usage: node --import tsx scripts/bundle-mock-driver.ts OUT.mjs
import { bundleMockDriver } from '../harness/images/mock-driver-bundle.ts';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: node --import tsx scripts/bundle-mock-driver.ts OUT.mjs\n');
  process.exit(2);
}
const { warnings } = await bundleMockDriver(out);
for (const w of warnings) process.stderr.write(`esbuild: ${w}\n`);
