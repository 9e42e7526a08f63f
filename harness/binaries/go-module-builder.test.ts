import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { KUBE_APISERVER, SIDECAR_V0_1_0 } from './component-catalog.ts';
import { generatedGoMod } from './go-module-builder.ts';

const hasGo = (await execa('go', ['version'], { reject: false })).exitCode === 0;

describe('generated main modules', () => {
  it('pins the sidecar spec pseudo-version the proxy refuses to the spec release', async () => {
    const mod = await generatedGoMod(SIDECAR_V0_1_0);
    expect(mod).toContain('sigs.k8s.io/container-object-storage-interface-provisioner-sidecar v0.1.0');
    expect(mod).toContain(
      'sigs.k8s.io/container-object-storage-interface-spec v0.0.0-20220811182913-3c421cfc2830 => sigs.k8s.io/container-object-storage-interface-spec v0.1.0',
    );
  });

  it.skipIf(!hasGo)(
    'replaces every k8s.io staging module of k8s.io/kubernetes with its v0.x release',
    async () => {
      const mod = await generatedGoMod(KUBE_APISERVER);
      expect(mod).toContain('k8s.io/kubernetes v1.33.13');
      for (const m of [
        'k8s.io/api',
        'k8s.io/apiserver',
        'k8s.io/client-go',
        'k8s.io/component-base',
        'k8s.io/kms',
      ]) {
        expect(mod).toContain(`\t${m} => ${m} v0.33.13`);
      }
      expect(mod).not.toMatch(/=> \.\/staging/);
    },
  );

  it('replaces the module with a local copy for patched builds', async () => {
    const mod = await generatedGoMod(SIDECAR_V0_1_0, { localModuleDir: '/tmp/patched-src' });
    expect(mod).toContain(
      'sigs.k8s.io/container-object-storage-interface-provisioner-sidecar => /tmp/patched-src',
    );
  });
});
