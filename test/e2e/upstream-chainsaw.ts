import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { isMap, isSeq, parseDocument } from 'yaml';
import { CHAINSAW } from '../../harness/binaries/component-catalog.ts';
import { goModDownload } from '../../harness/binaries/go-module-download.ts';
import { buildPatched } from '../../harness/binaries/patched-build.ts';

/** Where upstream COSI keeps its own end-to-end test: the v1alpha1 monorepo at its last release. */
export const COSI_E2E = {
  module: 'sigs.k8s.io/container-object-storage-interface',
  version: 'v0.2.2',
  folder: 'test/e2e',
} as const;

/**
 * Upstream's steps that need a kubelet, by their name in chainsaw-test.yaml, each with why it cannot run here.
 * They are left out of the test chainsaw runs (chainsaw v0.2 has a per-test `skip`, none per step); a name
 * upstream no longer has is an error, so a renamed step is noticed rather than silently run.
 */
export const KUBELET_STEPS: Readonly<Record<string, string>> = {
  'Check if COSI Controller exist':
    'asserts a Deployment container-object-storage-controller with availableReplicas 1: the controller runs ' +
    'here as a process, and no kubelet makes a Deployment available',
  'Run ObjectStorage validation tool':
    'creates a Job whose pod pulls docker.io/library/python:3.12 and pip-installs check-jsonschema: needs a ' +
    'kubelet and the internet',
  'Check if ObjectStorage validation tool completed successfully': 'waits for that Job to succeed',
};

/**
 * chainsaw v0.2.12 (the newest the Go module proxy serves) does not compile with Go >= 1.25: its TestDeps lacks
 * the ModulePath() that testing.MainStart now wants. The patch adds that one method and nothing else.
 */
export const CHAINSAW_PATCH = fileURLToPath(new URL('chainsaw-testdeps-modulepath.patch', import.meta.url));

/** The chainsaw binary, built once into the cache (cold: several minutes on 2 cores). */
export async function chainsawBinary(): Promise<string> {
  return (await buildPatched(CHAINSAW, CHAINSAW_PATCH)).path;
}

/** Upstream's test folder as its module ships it: the test file's text and its values (driver name etc.). */
export interface UpstreamChainsawTest {
  testFile: string;
  testText: string;
  valuesFile: string;
  values: { driverName: string } & Record<string, unknown>;
}

/** Reads upstream's chainsaw test and values.yaml from the module (downloaded through the user's GOPROXY). */
export async function upstreamChainsawTest(): Promise<UpstreamChainsawTest> {
  const { dir } = await goModDownload(COSI_E2E.module, COSI_E2E.version);
  const testFile = join(dir, COSI_E2E.folder, 'chainsaw-test.yaml');
  const valuesFile = join(dir, COSI_E2E.folder, 'values.yaml');
  const values = parseDocument(await readFile(valuesFile, 'utf8')).toJS() as UpstreamChainsawTest['values'];
  return { testFile, testText: await readFile(testFile, 'utf8'), valuesFile, values };
}

/** Step names of a chainsaw Test document, in order. */
export function stepNames(testText: string): string[] {
  const steps = parseDocument(testText).getIn(['spec', 'steps']);
  if (!isSeq(steps)) throw new Error('the chainsaw test has no spec.steps list');
  return steps.items.map((s) => (isMap(s) ? String(s.get('name')) : ''));
}

/** Upstream's test with the named steps removed, every other step as upstream wrote it (re-serialized by the YAML library). */
export function withoutSteps(testText: string, skip: Readonly<Record<string, string>>): string {
  const doc = parseDocument(testText);
  const steps = doc.getIn(['spec', 'steps']);
  if (!isSeq(steps)) throw new Error('the chainsaw test has no spec.steps list');
  const present = stepNames(testText);
  const missing = Object.keys(skip).filter((name) => !present.includes(name));
  if (missing.length) throw new Error(`upstream's chainsaw test has no step named ${missing.join(', ')}`);
  steps.items = steps.items.filter((s) => !(isMap(s) && String(s.get('name')) in skip));
  return doc.toString({ lineWidth: 0 });
}

/** Writes a test folder chainsaw can run (`--test-dir`) holding `testText` as its chainsaw-test.yaml. */
export async function writeTestDir(dir: string, testText: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'chainsaw-test.yaml'), testText);
  return dir;
}

/** What one chainsaw run said: its exit code, the summary it prints, and its JSON report. */
export interface ChainsawRun {
  exitCode: number | undefined;
  output: string;
  summary: { passed: number; failed: number; skipped: number } | undefined;
  report: ChainsawReport | undefined;
}

/** chainsaw's JSON report (`--report-format JSON`), the fields read here. */
export interface ChainsawReport {
  tests: {
    name: string;
    namespace?: string;
    skipped?: boolean;
    steps?: { name: string; operations?: { type: string; failure?: { error: string } }[] }[];
  }[];
}

/**
 * Runs `chainsaw test` on one folder against the cluster of `kubeconfig`, in an existing namespace (chainsaw
 * neither creates nor deletes it: this stack has no namespace controller, so a deleted namespace would stay
 * Terminating and chainsaw's cleanup would time out on it).
 */
export async function runChainsaw(opts: {
  testDir: string;
  valuesFile: string;
  kubeconfig: string;
  namespace: string;
  reportDir: string;
  extraArgs?: string[];
}): Promise<ChainsawRun> {
  const binary = await chainsawBinary();
  const res = await execa(
    binary,
    [
      'test',
      '--test-dir',
      opts.testDir,
      '--values',
      opts.valuesFile,
      '--namespace',
      opts.namespace,
      '--report-format',
      'JSON',
      '--report-path',
      opts.reportDir,
      '--report-name',
      'chainsaw-report',
      '--no-color',
      ...(opts.extraArgs ?? []),
    ],
    { reject: false, all: true, env: { KUBECONFIG: opts.kubeconfig }, timeout: 5 * 60_000 },
  );
  const output = String(res.all ?? '');
  const count = (label: string) => Number(new RegExp(`^- ${label}\\s+tests (\\d+)$`, 'm').exec(output)?.[1]);
  const summary = output.includes('Tests Summary...')
    ? { passed: count('Passed'), failed: count('Failed'), skipped: count('Skipped') }
    : undefined;
  const report = await readFile(join(opts.reportDir, 'chainsaw-report.json'), 'utf8')
    .then((t) => JSON.parse(t) as ChainsawReport)
    .catch(() => undefined);
  return { exitCode: res.exitCode, output, summary, report };
}
