// Records what the witness tests read, from the real builds: per variant, one COSI-86 claim on its own local
// control plane with the audit log on, for one window. Saves the audit log (filtered to the scenario's objects,
// the sidecar's Lease and Events), the sidecar log, the driver journal, the Events that landed, and for v1alpha2
// the sidecar's metrics before and after. Regenerate (binaries must be built: `npx cosi-chaos doctor`):
//   node --import tsx harness/witnesses/testdata/record-witnesses.mts [--window 20s] [--namespace NS] [--out DIR] [VARIANT...]
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { resolveBinary } from '../../binaries/binary-resolver.ts';
import { ETCD, type GoBuildRecipe, KUBE_APISERVER } from '../../binaries/component-catalog.ts';
import { LocalControlPlane } from '../../control-plane/local-control-plane.ts';
import { startController } from '../../cosi/controller-process.ts';
import { crdManifests, installCrds } from '../../cosi/crd-installer.ts';
import { applyObjects } from '../../cosi/kube-apply.ts';
import { sidecarRbac } from '../../cosi/rbac-manifests.ts';
import { requestServiceAccountToken } from '../../cosi/service-account-token.ts';
import { startSidecar } from '../../cosi/sidecar-process.ts';
import { upstreamControllerRbac } from '../../cosi/upstream-rbac.ts';
import { V1ALPHA1_OBJECTS } from '../../cosi/v1alpha1-objects.ts';
import { V1ALPHA2_OBJECTS } from '../../cosi/v1alpha2-objects.ts';
import { MockDriverProcess } from '../../driver/mock-driver-process.ts';
import { reservePort } from '../../process/free-port.ts';
import { parseDuration } from '../../scenarios/duration.ts';
import { loadScenarioFile } from '../../scenarios/scenario-loader.ts';
import { BUILTIN_VARIANTS, type SidecarVariant } from '../../variants/sidecar-variants.ts';
import { AUDIT_POLICY_FILE } from '../audit-policy.ts';
import { scrapeMetrics } from '../metrics-scrape.ts';

const HERE = import.meta.dirname;
const SYSTEM_NS = 'cosi-chaos-system';
const SA = 'cosi-sidecar-0';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    window: { type: 'string', default: '20s' },
    namespace: { type: 'string', default: SYSTEM_NS },
    work: { type: 'string', default: '/tmp/cosi-chaos-witness-recording' },
    // Where recordings go: this folder (what the tests read) unless told otherwise.
    out: { type: 'string', default: HERE },
  },
});
const windowMs = parseDuration(values.window) ?? 20_000;
const sidecarNs = values.namespace;
const scenario = await loadScenarioFile(join(HERE, '..', '..', '..', 'scenarios', 'cosi-86.yaml'));
const variants = positionals.length
  ? BUILTIN_VARIANTS.filter((v) => positionals.includes(v.name))
  : BUILTIN_VARIANTS;

function binary(recipe: GoBuildRecipe): string {
  const found = resolveBinary({ name: recipe.name, version: recipe.version });
  if (found.source === 'missing') throw new Error(`${recipe.origin} is not built: run npx cosi-chaos doctor`);
  return found.path;
}

const driverNameOf = (v: SidecarVariant) => `${v.name.replace(/[^a-z0-9-]/g, '-')}.cosi-chaos.io`;

async function record(v: SidecarVariant): Promise<void> {
  const tag = sidecarNs === SYSTEM_NS ? v.name : `${v.name}-in-${sidecarNs}`;
  const work = join(values.work, tag);
  const out = join(values.out, tag);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const auditLog = join(work, 'audit.jsonl');
  const cp = await LocalControlPlane.start({
    etcdBinary: binary(ETCD),
    apiServerBinary: binary(KUBE_APISERVER),
    workDir: work,
    keepWorkDir: true,
    audit: { policyFile: AUDIT_POLICY_FILE, logFile: auditLog },
  });
  const stops: (() => Promise<void>)[] = [() => cp.stop()];
  try {
    const admin = cp.adminKubeConfig();
    await installCrds(admin, await crdManifests(v.crds));
    const namespaces = new Set([SYSTEM_NS, sidecarNs, scenario.bucketClaim.namespace]);
    await applyObjects(
      admin,
      [...namespaces].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    );
    const rbac = await upstreamControllerRbac(v.controller, SYSTEM_NS);
    await applyObjects(admin, [...rbac.objects, ...sidecarRbac(SA, sidecarNs)]);
    const ctlKubeconfig = join(work, 'controller.kubeconfig');
    await writeFile(
      ctlKubeconfig,
      cp.kubeconfigFor(
        rbac.serviceAccount,
        await requestServiceAccountToken(admin, SYSTEM_NS, rbac.serviceAccount),
        SYSTEM_NS,
      ),
    );
    const ports = await Promise.all([reservePort(), reservePort(), reservePort(), reservePort()]);
    stops.push(async () => {
      for (const p of ports) p.release();
    });
    const [ctlHealth, ctlMetrics, scHealth, scMetrics] = ports.map((p) => p.port);
    const v2 = v.era === 'v1alpha2';
    const controller = startController({
      id: 'controller',
      era: v.era,
      binary: binary(v.controller),
      kubeconfigPath: ctlKubeconfig,
      namespace: SYSTEM_NS,
      logDir: work,
      healthPort: v2 ? ctlHealth : undefined,
      metricsPort: v2 ? ctlMetrics : undefined,
    });
    stops.unshift(() => controller.stop());
    const rules = scenario.variants.find((sv) => sv.sidecar === v.name)?.rules ?? scenario.rules;
    const driver = await MockDriverProcess.start({
      id: v.name,
      driverName: driverNameOf(v),
      rules,
      workDir: work,
    });
    stops.unshift(() => driver.stop());
    const scKubeconfig = join(work, 'sidecar.kubeconfig');
    await writeFile(
      scKubeconfig,
      cp.kubeconfigFor(SA, await requestServiceAccountToken(admin, sidecarNs, SA), sidecarNs),
    );
    if (!v.recipe) throw new Error(`${v.name} has no recipe`);
    const sidecar = startSidecar({
      variant: v.name,
      era: v.era,
      binary: binary(v.recipe),
      kubeconfigPath: scKubeconfig,
      driverSocket: driver.socketPath,
      namespace: sidecarNs,
      logDir: work,
      healthPort: v2 ? scHealth : undefined,
      metricsPort: v2 ? scMetrics : undefined,
    });
    stops.unshift(() => sidecar.stop());
    // Serving: it called DriverGetInfo and (v1alpha1) holds its Lease.
    const leases = admin.makeApiClient(CoordinationV1Api);
    for (let i = 0; ; i++) {
      const called = (await driver.admin.journal({ rpc: 'getInfo' })).length > 0;
      const held =
        v2 ||
        (await leases.listNamespacedLease({ namespace: sidecarNs })).items.some(
          (l) => l.spec?.holderIdentity,
        );
      if (called && held) break;
      if (i > 300 || sidecar.hasExited)
        throw new Error(`${v.name}: sidecar did not start (${sidecar.spec.logFile})`);
      await sleep(200);
    }
    const metricsUrl = `http://127.0.0.1:${scMetrics}/metrics`;
    if (v2) await writeFile(join(work, 'metrics-before.txt'), await scrapeMetrics(metricsUrl));
    const o = v2 ? V1ALPHA2_OBJECTS : V1ALPHA1_OBJECTS;
    await applyObjects(admin, [
      o.bucketClass({
        name: scenario.bucketClass.name,
        driverName: driverNameOf(v),
        deletionPolicy: scenario.bucketClass.deletionPolicy,
        parameters: scenario.bucketClass.parameters,
      }),
      o.bucketClaim({
        name: scenario.bucketClaim.name,
        namespace: scenario.bucketClaim.namespace,
        className: scenario.bucketClass.name,
        protocols: scenario.bucketClaim.protocols,
      }),
    ]);
    const appliedAt = new Date().toISOString();
    await sleep(windowMs);
    const closedAt = new Date().toISOString();
    if (v2) await writeFile(join(work, 'metrics-after.txt'), await scrapeMetrics(metricsUrl));
    const events = await admin.makeApiClient(CoreV1Api).listEventForAllNamespaces();
    const calls = await driver.admin.journal();
    const buckets = [...new Set(calls.flatMap((c) => (c.bucketName ? [c.bucketName] : [])))];
    await mkdir(out, { recursive: true });
    await writeFile(
      join(out, 'recording.json'),
      `${JSON.stringify(
        {
          variant: v.name,
          era: v.era,
          sidecarNamespace: sidecarNs,
          sidecarUser: `system:serviceaccount:${sidecarNs}:${SA}`,
          controllerUser: `system:serviceaccount:${SYSTEM_NS}:${rbac.serviceAccount}`,
          buckets,
          appliedAt,
          closedAt,
          windowMs,
        },
        null,
        2,
      )}\n`,
    );
    await writeFile(
      join(out, 'events.json'),
      `${JSON.stringify(
        events.items
          .filter((e) => buckets.includes(e.involvedObject.name ?? ''))
          .map((e) => ({
            namespace: e.metadata.namespace,
            involvedObject: { kind: e.involvedObject.kind, name: e.involvedObject.name },
            type: e.type,
            reason: e.reason,
            message: e.message,
            count: e.count,
            series: e.series,
          })),
        null,
        2,
      )}\n`,
    );
    // The journal as the driver wrote it; only this scenario's calls are in it.
    await copyFile(driver.journalPath, join(out, 'driver-journal.jsonl'));
    await copyFile(sidecar.spec.logFile, join(out, 'sidecar.txt'));
    if (v2) {
      for (const f of ['metrics-before.txt', 'metrics-after.txt'])
        await writeFile(join(out, f), controllerFamilies(await readFile(join(work, f), 'utf8')));
    }
    // The audit log kept to what a witness reads: writes by the sidecar and the controller (Lease renewals by
    // every component are kept too; they are few in one window).
    const lines = (await readFile(auditLog, 'utf8')).split('\n').filter(Boolean);
    const kept = lines.filter((l) => {
      const user = (JSON.parse(l) as { user?: { username?: string } }).user?.username ?? '';
      return user.startsWith('system:serviceaccount:');
    });
    await writeFile(join(out, 'audit.jsonl'), `${kept.join('\n')}\n`);
    console.log(`${tag}: ${calls.filter((c) => c.rpc === 'create').length} create calls; saved to ${out}`);
  } finally {
    for (const stop of stops) await stop().catch((e: unknown) => console.error(e));
  }
}

// Only the controller-runtime and workqueue families (the Go runtime's own are most of the text).
function controllerFamilies(text: string): string {
  const keep = /^(# (HELP|TYPE) )?(controller_runtime_|workqueue_)/;
  return `${text
    .split('\n')
    .filter((l) => keep.test(l))
    .join('\n')}\n`;
}

for (const v of variants) await record(v);
