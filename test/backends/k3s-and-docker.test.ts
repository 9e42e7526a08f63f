import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { detectDocker, needsDocker } from '../../harness/backends/docker-availability.ts';
import { K3sTestcontainersBackend } from '../../harness/backends/k3s-testcontainers-backend.ts';
import {
  buildControllerImage,
  buildMockDriverImage,
  buildSidecarImage,
} from '../../harness/backends/release-images.ts';
import { BUILTIN_VARIANTS, type SidecarVariant } from '../../harness/variants/sidecar-variants.ts';
import { createFakeTools, type FakeTools } from './fake-tools.ts';

const V010 = BUILTIN_VARIANTS.find((v) => v.name === 'v1alpha1-v0.1.0') as SidecarVariant;
let tools: FakeTools;
let workDir: string;

beforeAll(async () => {
  tools = await createFakeTools();
});

afterAll(() => tools.remove());

afterEach(async () => {
  await tools.reset();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('k3s backend', () => {
  it('runs K3sContainer from @testcontainers/k3s on a real Docker engine', async (ctx) => {
    const skip = await needsDocker('the real k3s lane starts a privileged rancher/k3s container');
    if (skip) ctx.skip(skip);
    workDir = await mkdtemp(join(tmpdir(), 'cosi-chaos-k3s-real-'));
    const progress = () => {};
    const [sidecar, controller, driver] = await Promise.all([
      buildSidecarImage(V010, progress),
      buildControllerImage(V010, progress),
      buildMockDriverImage(progress),
    ]);
    const handle = await new K3sTestcontainersBackend({
      variants: [
        {
          name: V010.name,
          variant: V010,
          driverName: 'v1alpha1-v0-1-0.cosi-chaos.io',
          sidecarImage: sidecar.ref,
        },
      ],
      images: {
        driverImage: driver.ref,
        controllerImage: controller.ref,
        archives: [driver.archivePath, controller.archivePath, sidecar.archivePath],
      },
      workDir,
    }).up();
    try {
      const url = await handle.driverAdminUrl(V010.name);
      expect((await fetch(`${url}/healthz`)).ok).toBe(true);
    } finally {
      await handle.stop();
    }
  }, 900_000);
});

describe('docker availability', () => {
  it('an engine that does not answer docker info is "not available", with the skip message tests print', async () => {
    const runner = tools.runner({ FAKE_DOCKER_INFO_RC: '1' });
    expect(await detectDocker(runner)).toEqual({
      available: false,
      reason: 'no Docker engine reachable (docker info failed)',
    });
    expect(await needsDocker('real kind lane', runner)).toBe(
      'needs Docker: no Docker engine reachable (docker info failed) — real kind lane',
    );
    expect(await detectDocker(tools.runner({ FAKE_DOCKER_INFO_RC: '0' }))).toEqual({
      available: true,
      reason: 'Docker engine 28.2.2',
    });
    expect(await needsDocker('x', tools.runner({ FAKE_DOCKER_INFO_RC: '0' }))).toBeUndefined();
  });
});
