#!/usr/bin/env node
// Runs the CLI from its bundle (bin/cli-bundle.js: rebuilt whenever a source changes, so it cannot go stale); if
// esbuild cannot build it here, from the TypeScript sources through tsx.
import { cliBundle } from './cli-bundle.js';

let bundle;
try {
  bundle = await cliBundle();
} catch (error) {
  process.stderr.write(
    `cosi-chaos: running from sources (the CLI bundle could not be built: ${error.message})\n`,
  );
}
if (bundle) await import(bundle);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
