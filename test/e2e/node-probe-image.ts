import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { goEnv } from '../../harness/binaries/go-module-download.ts';
import { writeImageArchive } from '../../harness/images/index.ts';

/** The probe's image reference (fully qualified: ctr files bare names under docker.io/library). */
export const NODE_PROBE_IMAGE = 'cosi-chaos.local/node-probe:test';

/**
 * Builds test/e2e/node-probe (stdlib only, static) and writes it as a FROM-scratch image archive; returns its path.
 * The user's Go environment is passed through, GOFLAGS dropped (a module with no dependencies needs none).
 */
export async function buildNodeProbeImage(): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'cosi-chaos-node-probe-'));
  const binary = join(out, 'node-probe');
  await execa('go', ['build', '-trimpath', '-o', binary, '.'], {
    cwd: join(dirname(fileURLToPath(import.meta.url)), 'node-probe'),
    env: { ...goEnv(), GOFLAGS: '' },
    extendEnv: false,
  });
  const archive = join(out, 'node-probe.tar');
  await writeImageArchive(
    {
      ref: NODE_PROBE_IMAGE,
      files: [{ path: '/node-probe', hostPath: binary }],
      entrypoint: ['/node-probe'],
    },
    archive,
  );
  return archive;
}
