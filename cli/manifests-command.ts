import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  builtinMatrixVariants,
  driverNameFor,
  imageRefs,
  releaseStack,
  sameApi,
  variantSuffix,
  writeReleaseStack,
} from '../harness/index.ts';
import { UsageError } from './exit-codes.ts';
import { variantsFromFlag } from './run-command.ts';

export interface ManifestsFlags {
  sidecar?: string;
  namespace: string;
  out: string;
  /** A rules file for every variant's mock driver (default no rules). */
  rules?: string;
  driverImage?: string;
  controllerImage?: string;
  sidecarImage?: string[];
}

/**
 * `cosi-chaos manifests`: one release's stack as `run --backend existing` applies it (crds.yaml, stack.yaml and a
 * kustomization), for `kubectl apply` by hand or in CI. Images default to the ones `cosi-chaos images` builds.
 */
export async function manifestsCommand(flags: ManifestsFlags, log: (line: string) => void): Promise<number> {
  const patched = builtinMatrixVariants().filter((v) => v.patchFile && v.name === flags.sidecar);
  const variants = patched.length ? patched : variantsFromFlag(flags.sidecar ?? 'v1alpha1-cosi86', undefined);
  const first = variants[0];
  if (!first || variants.some((v) => v.binaryPath))
    throw new UsageError(`--sidecar ${flags.sidecar}: name a release or patched variant`);
  if (variants.some((v) => !sameApi(v, first) || v.controller !== first.controller))
    throw new UsageError(
      `--sidecar ${flags.sidecar} selects releases with different CRDs or controllers; name one release`,
    );
  const own = new Map<string, string>();
  for (const pair of flags.sidecarImage ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--sidecar-image "${pair}" is not NAME=IMAGE`);
    own.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const rules = flags.rules ? await readFile(flags.rules, 'utf8') : 'rules: []\n';
  const stack = await releaseStack({
    namespace: flags.namespace,
    runId: flags.namespace.replace(/^cosi-chaos-?/, '') || 'manual',
    members: variants.map((v) => ({
      variant: v,
      suffix: variantSuffix(v.name),
      sidecarImage: own.get(v.name) ?? imageRefs(v).sidecar,
      driverName: driverNameFor(v.name),
      rules,
    })),
    driverImage: flags.driverImage ?? imageRefs(first).driver,
    controllerImage: flags.controllerImage ?? imageRefs(first).controller,
  });
  const dir = await writeReleaseStack(resolve(flags.out), stack);
  log(
    `${dir}: crds.yaml (${stack.crds.length} CRDs), stack.yaml (${stack.objects.length} objects), kustomization.yaml`,
  );
  return 0;
}
