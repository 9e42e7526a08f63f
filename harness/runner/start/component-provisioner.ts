import { BuildPool } from '../../binaries/build-pool.ts';
import {
  ETCD,
  type GoBuildRecipe,
  KUBE_APISERVER,
  SAMPLE_COSI_DRIVER,
  type ScalityRevision,
  VERSITYGW,
} from '../../binaries/component-catalog.ts';
import { buildPatched } from '../../binaries/patched-build.ts';
import type { RealDriverBinaries } from '../../driver/real-driver-stack.ts';
import type { ComponentVersion } from '../../results/run-results.ts';
import type { SidecarVariant } from '../../variants/sidecar-variants.ts';
import { type ProvisionedBinary, provisionBinary, unavailableReason } from './binary-provisioner.ts';
import type { EnvironmentMember } from './local-environment.ts';

/** Resolves a variant to a sidecar binary (build, patch+build, or a user path); throws when it cannot. */
export type SidecarResolver = (
  v: SidecarVariant,
  progress: (p: string, d: string) => void,
) => Promise<{ path: string; component: ComponentVersion }>;

/** Everything the run's environments need, built or found: the first phase of a run. */
export interface ProvisionedComponents {
  binaries: { etcd: string; kubeApiServer: string } & RealDriverBinaries;
  members: EnvironmentMember[];
  /** Variants that cannot be built here, with go's reason: results, not errors. */
  unavailable: Map<string, string>;
  components: ComponentVersion[];
}

export const defaultSidecarResolver: SidecarResolver = async (v, progress) => {
  if (v.binaryPath)
    return {
      path: v.binaryPath,
      component: {
        name: `sidecar ${v.name}`,
        version: 'as provided',
        source: 'user binary',
        path: v.binaryPath,
      },
    };
  if (!v.recipe) throw new Error(`variant ${v.name} has neither a build recipe nor a binary`);
  if (v.patchFile) {
    // Upstream source + patch; a patch that does not apply or compile throws PatchError (bad input).
    const built = await buildPatched(v.recipe, v.patchFile, progress);
    return {
      path: built.path,
      component: {
        name: `sidecar ${v.name}`,
        version: v.recipe.version,
        source: `${v.recipe.origin} + ${v.patchFile}`,
        path: built.path,
      },
    };
  }
  const bin = await provisionBinary(v.recipe, { progress });
  return { path: bin.path, component: { ...bin.component, name: `sidecar ${v.name}` } };
};

/**
 * Builds what is missing (once; the cache keeps it): etcd and kube-apiserver for the local backend, every
 * variant's sidecar and its release's controller. A variant whose upstream build cannot be fetched is
 * unavailable; a user's patch or binary that fails is bad input and throws.
 */
export async function provisionComponents(args: {
  variants: SidecarVariant[];
  backend: 'local' | 'kind' | 'existing';
  /** A scenario selects the upstream sample driver: build it and versitygw (its S3 server) too. */
  sampleDriver?: boolean;
  /** Scenarios select the Scality driver at these commits: build each, and versitygw (its S3 and IAM servers). */
  scality?: ScalityRevision[];
  resolveSidecar?: SidecarResolver;
  progress?: (phase: string, detail: string) => void;
  /** Where the builds run (default: a pool of buildJobs() at once). */
  pool?: BuildPool;
}): Promise<ProvisionedComponents> {
  const components: ComponentVersion[] = [];
  const unavailable = new Map<string, string>();
  const members: EnvironmentMember[] = [];
  // go's own per-module lines are left out: the phases and the heartbeat say enough.
  const buildProgress = (p: string, d: string) => {
    if (p !== 'go') args.progress?.('build', d);
  };
  const resolve = args.resolveSidecar ?? defaultSidecarResolver;
  // Every build is submitted at once, most needed first (the control plane, then each variant, then the drivers),
  // and awaited in that order: a cold cache builds two at a time instead of one after another.
  const pool = args.pool ?? new BuildPool();
  // One job per binary: the patched variants share their base's controller, the drivers one versitygw.
  const jobs = new Map<string, Promise<ProvisionedBinary>>();
  const build = (recipe: GoBuildRecipe) => {
    const key = `${recipe.name}@${recipe.version}`;
    const job = jobs.get(key) ?? pool.run(() => provisionBinary(recipe, { progress: buildProgress }));
    jobs.set(key, job);
    return job;
  };
  const local = args.backend === 'local';
  if (local) args.progress?.('build', 'etcd and kube-apiserver');
  const controlPlane = local ? [build(ETCD), build(KUBE_APISERVER)] : [];
  const perVariant = args.variants.map((v) => {
    const sidecar = pool.run(() => resolve(v, buildProgress));
    // Cluster backends deploy their controller themselves; locally it is built once per release and shared.
    const controller = local ? build(v.controller) : undefined;
    return { v, sidecar, controller };
  });
  const sample = args.sampleDriver ? [build(SAMPLE_COSI_DRIVER), build(VERSITYGW)] : [];
  const scality = (args.scality ?? []).map((revision) => ({
    revision,
    driver: build(revision.recipe),
    server: build(VERSITYGW),
  }));
  let binaries: ProvisionedComponents['binaries'] = { etcd: '', kubeApiServer: '' };
  const [etcd, apiServer] = controlPlane;
  if (etcd && apiServer) {
    const e = await etcd;
    const a = await apiServer;
    components.push(e.component, a.component);
    binaries = { etcd: e.path, kubeApiServer: a.path };
  }
  const [sampleDriver, sampleServer] = sample;
  if (sampleDriver && sampleServer) {
    // A real driver that cannot be built stops the run: the scenario asked for it, and a mock would not do.
    args.progress?.('build', 'the upstream sample driver and versitygw');
    const d = await sampleDriver;
    const g = await sampleServer;
    components.push(d.component, g.component);
    binaries = { ...binaries, sampleDriver: d.path, versitygw: g.path };
  }
  for (const { revision, driver, server } of scality) {
    args.progress?.('build', `the Scality driver ${revision.commit} (${revision.describe}) and versitygw`);
    const d = await driver;
    const g = await server;
    components.push({ ...d.component, name: `Scality driver ${revision.commit}` });
    if (!components.some((c) => c.name === g.component.name)) components.push(g.component);
    binaries = {
      ...binaries,
      versitygw: g.path,
      scality: { ...binaries.scality, [revision.commit]: d.path },
    };
  }
  for (const { v, sidecar, controller } of perVariant) {
    try {
      args.progress?.('build', `sidecar ${v.name}`);
      const bin = await sidecar;
      components.push(bin.component);
      let controllerBinary = '';
      if (controller) {
        args.progress?.('build', `controller of ${v.name}`);
        const ctl = await controller;
        const name = `controller ${v.controller.origin}`;
        if (!components.some((c) => c.name === name)) components.push({ ...ctl.component, name });
        controllerBinary = ctl.path;
      }
      members.push({ variant: v, sidecarBinary: bin.path, controllerBinary });
    } catch (err) {
      if (!isUnavailable(err, v)) throw err;
      unavailable.set(v.name, unavailableReason(err));
    }
  }
  return { binaries, members, unavailable, components };
}

// Upstream source the proxy does not serve is a result ('unavailable'), patched or not: the shipped patches run in
// the default suite and a missing base module is the machine's problem, not bad input. A patch that does not
// apply or compile (PatchError), or a user's binary that fails, is bad input and stops the run.
function isUnavailable(err: unknown, v: SidecarVariant): boolean {
  if (v.binaryPath) return false;
  const e = err as { moduleUnavailable?: boolean };
  return e.moduleUnavailable === true || !v.recipe;
}
