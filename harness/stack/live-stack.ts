import { type FSWatcher, watch } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { applyObjects } from '../cosi/kube-apply.ts';
import { provisionComponents } from '../runner/start/component-provisioner.ts';
import {
  type EnvironmentMember,
  LocalEnvironment,
  VariantRuntime,
} from '../runner/start/local-environment.ts';
import type { SidecarVariant } from '../variants/sidecar-variants.ts';
import { composeStackRules } from './stack-rules.ts';
import {
  type LiveStackPlane,
  STACK_RULES_FILE,
  STACK_STATE_FILE,
  type StackState,
  writeStackState,
} from './stack-state.ts';

export interface LiveStackOptions {
  variants: SidecarVariant[];
  /** The stack's folder: state file, rules file, logs. */
  dir: string;
  /** Initial rules for every driver (copied to the stack's rules file, which is watched). */
  rulesText?: string;
  progress?: (detail: string) => void;
  /** Told of the rules file's problems as it is edited (the stack keeps the last good rules). */
  onRulesProblem?: (message: string) => void;
  onRulesApplied?: () => void;
  /** The name the (one) driver gives instead of the variant's own: what another test tool's values expect. */
  driverName?: string;
}

/** Variants share a control plane when they run the same controller on the same CRDs (as `run` groups them). */
export function planeKeyOf(v: SidecarVariant): string {
  return `${v.controller.origin}|${v.crds.module}@${v.crds.version}`;
}

/** The class names made for exploring a variant by hand. */
export function exploreClassNames(variant: string): { bucketClass: string; bucketAccessClass: string } {
  const base = variant.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return { bucketClass: base, bucketAccessClass: `${base}-access` };
}

/**
 * A COSI stack that stays up: per release, a local control plane with its real controller, and per variant a real
 * sidecar and a mock driver, plus a BucketClass and BucketAccessClass per variant to use by hand. Writes
 * stack.json for attached runs, `watch` and other tools; `stop()` stops everything and removes it.
 */
export class LiveStack {
  private constructor(
    readonly state: StackState,
    private readonly envs: LocalEnvironment[],
    private readonly watcher: FSWatcher,
  ) {}

  static async start(opts: LiveStackOptions): Promise<LiveStack> {
    const dir = resolve(opts.dir);
    await mkdir(dir, { recursive: true });
    const built = await provisionComponents({
      variants: opts.variants,
      backend: 'local',
      progress: (_p, d) => opts.progress?.(`build: ${d}`),
    });
    if (built.unavailable.size)
      opts.progress?.(
        `unavailable here: ${[...built.unavailable].map(([v, why]) => `${v} (${why})`).join('; ')}`,
      );
    const groups = new Map<string, EnvironmentMember[]>();
    for (const m of built.members) {
      const key = planeKeyOf(m.variant);
      groups.set(key, [...(groups.get(key) ?? []), m]);
    }
    const envs: LocalEnvironment[] = [];
    const planes: LiveStackPlane[] = [];
    try {
      await Promise.all(
        [...groups].map(async ([key, members]) => {
          const folder = members.map((m) => m.variant.name).join('+');
          const env = await LocalEnvironment.start(
            members,
            built.binaries,
            [],
            join(dir, 'logs', folder),
            opts.progress,
            opts.driverName ? { driverName: () => opts.driverName as string } : {},
          );
          envs.push(env);
          planes.push(await describePlane(key, env));
        }),
      );
      const rulesFile = join(dir, STACK_RULES_FILE);
      await writeFile(
        rulesFile,
        opts.rulesText ?? '# rules for every driver of the stack (see README)\nrules: []\n',
      );
      const state: StackState = {
        pid: process.pid,
        startedAt: new Date().toISOString(),
        dir,
        rulesFile,
        planes: planes.sort((a, b) => a.key.localeCompare(b.key)),
      };
      await composeStackRules(state);
      await writeStackState(dir, state);
      // Editors replace the file: watch the folder. Bad rules are reported; the drivers keep the last good ones.
      let timer: NodeJS.Timeout | undefined;
      const watcher = watch(dir, (_e, name) => {
        if (name !== basename(rulesFile)) return;
        clearTimeout(timer);
        timer = setTimeout(() => {
          composeStackRules(state).then(opts.onRulesApplied, (e: Error) => opts.onRulesProblem?.(e.message));
        }, 100);
      });
      return new LiveStack(state, envs, watcher);
    } catch (err) {
      await Promise.all(envs.map((e) => e.stop().catch(() => {})));
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.watcher.close();
    await rm(join(this.state.dir, STACK_STATE_FILE), { force: true });
    await rm(join(this.state.dir, 'runs'), { recursive: true, force: true });
    const errors: unknown[] = [];
    await Promise.all(this.envs.map((e) => e.stop().catch((x: unknown) => errors.push(x))));
    if (errors.length) throw new AggregateError(errors, 'stopping the stack failed');
  }
}

// v1alpha2 classes need at least one parameter; a scenario's rules never match it (no scenario parameter).
const EXPLORE_PARAMETERS = { 'cosi-chaos.io/stack': 'explore' };

async function describePlane(key: string, env: LocalEnvironment): Promise<LiveStackPlane> {
  const admin = env.kubeConfig();
  const variants = [...env.members.values()].map((h) => {
    if (!(h instanceof VariantRuntime)) throw new Error('a local environment runs its variants itself');
    const names = exploreClassNames(h.variant.name);
    return {
      name: h.variant.name,
      era: h.variant.era,
      driverName: h.driverName,
      adminUrl: h.driver.admin.baseUrl,
      driverSocket: h.driver.socketPath,
      journalFile: h.driver.journalPath,
      sidecarLog: h.sidecarLogFile,
      sidecarUser: h.sidecarUser ?? '',
      ...(h.metricsUrl ? { metricsUrl: h.metricsUrl } : {}),
      index: h.index,
      ...names,
    };
  });
  await applyObjects(
    admin,
    variants.flatMap((v) => [
      env.objects.bucketClass({
        name: v.bucketClass,
        driverName: v.driverName,
        deletionPolicy: 'Delete',
        parameters: EXPLORE_PARAMETERS,
      }),
      env.objects.bucketAccessClass({
        name: v.bucketAccessClass,
        driverName: v.driverName,
        deletionPolicy: 'Delete',
        parameters: EXPLORE_PARAMETERS,
      }),
    ]),
  );
  const [first] = variants;
  return {
    key,
    era: first?.era ?? 'v1alpha1',
    kubeconfig: env.controlPlane.adminKubeconfigPath,
    server: env.controlPlane.apiServer.url,
    logDir: env.logDir,
    auditLog: env.auditLogFile,
    sidecarNamespace: env.sidecarNamespace,
    variants,
  };
}
