import { Command, CommanderError, Option } from 'commander';
import { BUILD_JOBS_ENV, DEFAULT_TIME_SCALE } from '../harness/index.ts';
import { createProgressReporter } from '../reports/index.ts';
import { RUN_BACKENDS } from './backend-option.ts';
import { buildCommand } from './build-command.ts';
import { builtinScenarioFiles } from './builtin-scenarios.ts';
import { conformCommand } from './conform-command.ts';
import { doctorCommand } from './doctor-command.ts';
import { driverMapCommand } from './driver-map-command.ts';
import { exitCodeFor } from './error-exit.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { imagesCommand } from './images-command.ts';
import { initCommand } from './init-command.ts';
import { manifestsCommand } from './manifests-command.ts';
import { matrixCommand } from './matrix-command.ts';
import { PLANES_HELP } from './planes-flag.ts';
import { compareCommand, mergeCommand, reportCommand } from './report-command.ts';
import { runCommand } from './run-command.ts';
import { DEFAULT_STACK_DIR } from './stack-dir.ts';
import { sweepCommand } from './sweep-command.ts';
import { upCommand } from './up-command.ts';
import { versionText } from './version-text.ts';
import { watchCommand } from './watch-command.ts';

// Output piped into `head` and closed early is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const program = new Command('cosi-chaos')
    .description('Mock COSI driver and chaos harness: counts how often the real COSI sidecar retries')
    .exitOverride()
    // Options belong to the command they follow: `report compare A B --format pr` is compare's --format.
    .enablePositionalOptions()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .version(versionText(), '-V, --version', 'the version and every pinned component, one line each');
  let code: number = EXIT.ok;

  const collect = (v: string, prev: string[] = []) => [...prev, v];

  program
    .command('run')
    .description('run scenarios on a local control plane with the real COSI sidecar(s)')
    .argument('[paths...]', 'scenario files or directories', [])
    .option(
      '--builtin <names>',
      'scenarios shipped with cosi-chaos by name (cosi-86, bucket-not-empty, real-driver/happy-path ...; all: every top-level one), comma-separated or repeatable',
      collect,
    )
    .option(
      '--sidecar <variant|era|path>',
      'v1alpha1, v1alpha2, a release or patched variant name (seed-patch, correct-fix, tiered-fix), or a sidecar binary (repeatable)',
      collect,
    )
    .addOption(new Option('--era <era>', 'era of a --sidecar binary').choices(['v1alpha1', 'v1alpha2']))
    .option(
      '--patch <name=file[@base]>',
      "your patch on a pinned build (default base v1alpha1-cosi86), run with that build's expectations (repeatable)",
      collect,
    )
    .option('--window <duration>', "observation window, overrides each scenario's (e.g. 60s)")
    .option('--planes <n>', `local: ${PLANES_HELP}`)
    .option(
      '--time-scale <n>',
      `divide tiered-fix's bounded-retry waits (1m, 2m, 5m) by n (default ${DEFAULT_TIME_SCALE}; 1 = real time)`,
    )
    .option(
      '--full',
      'wait out every window instead of deciding each pair as soon as it is certain (the long measurement the fitted backoff and projection need)',
    )
    .option('--out <dir>', 'results and logs directory', 'results')
    .option('--strict', 'count skipped (unavailable) variants as failures')
    .option('--attach [dir]', `run inside the stack of \`cosi-chaos up\` (default ${DEFAULT_STACK_DIR})`)
    .option(
      '--driver <driver>',
      "overrides every scenario's spec.driver: mock, sample (the upstream sample driver on a local S3 server), scality[@COMMIT] (the Scality driver at 9bf1529 newest or 9a49a25 before PR #188), unix:///path/to/driver.sock, HOST:PORT or a driver binary",
    )
    .addOption(
      new Option('--backend <backend>', 'where the cluster runs').choices(RUN_BACKENDS).default('local'),
    )
    .option('--kubeconfig <file>', "existing: kubeconfig of the cluster (default kubectl's)")
    .option('--context <name>', 'existing: context in the kubeconfig (default its current one)')
    .option(
      '--driver-image <image>',
      'kind/existing: mock driver image the cluster can pull (default built here)',
    )
    .option('--keep', 'kind: leave the cluster running (a later run reuses it)')
    .option('--cluster-name <name>', 'kind: cluster name (default cosi-chaos)')
    .option(
      '--sidecar-image <name=image>',
      'kind/existing: your own sidecar image for a variant instead of the one built here (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .action(async (paths: string[], flags) => {
      const all = [...paths, ...builtinScenarioFiles(flags.builtin ?? [])];
      code = await runCommand(all, flags, out, createProgressReporter(process.stderr));
    });

  program
    .command('up')
    .description(
      'start a COSI stack that stays up (kubectl, attached runs, watch, other test tools) until Ctrl-C',
    )
    .option(
      '--sidecar <variant|era|path>',
      'v1alpha1, v1alpha2, a variant name, or a sidecar binary (repeatable; default every built-in variant)',
      collect,
    )
    .option('--era <era>', 'with --sidecar PATH: the COSI API era of that binary (v1alpha1 or v1alpha2)')
    .option('--rules <file>', "initial rules for every driver (copied to the stack's rules file)")
    .option(
      '--driver-name <name>',
      'with one --sidecar: the name its driver gives (e.g. what a test suite expects)',
    )
    .option('--dir <dir>', 'state file, rules file and logs of the stack', DEFAULT_STACK_DIR)
    .action(async (flags) => {
      code = await upCommand(flags, out);
    });

  program
    .command('watch')
    .description("every driver attempt of a running `up` as it happens, with the decider's outcome now")
    .argument('[dir]', 'the folder of the stack', DEFAULT_STACK_DIR)
    .action(async (dir: string) => {
      code = await watchCommand(dir, {}, (s) => process.stdout.write(s));
    });

  program
    .command('images')
    .description(
      'build the sidecar, controller and mock driver images from the pinned sources (docker-save archives, no registry)',
    )
    .option('--sidecar <variant|era>', 'v1alpha1, v1alpha2, a release or a patched variant (default all)')
    .option('--out <dir>', 'copy the archives here')
    .action(async (flags) => {
      code = await imagesCommand(flags, out);
    });
  program
    .command('manifests')
    .description(
      "one release's CRDs, controller and driver + sidecar Pods as run --backend existing applies them",
    )
    .option('--sidecar <variant|era>', 'the release (or patched variant) to deploy', 'v1alpha1-cosi86')
    .option('--namespace <ns>', 'namespace of the stack', 'cosi-chaos')
    .option('--out <dir>', 'where crds.yaml, stack.yaml and kustomization.yaml go', 'cosi-chaos-stack')
    .option('--rules <file>', "the mock drivers' rules file")
    .option('--driver-image <image>', 'mock driver image (default the one cosi-chaos images builds)')
    .option('--controller-image <image>', 'controller image (default the one cosi-chaos images builds)')
    .option('--sidecar-image <name=image>', 'your own sidecar image for a variant (repeatable)', collect)
    .action(async (flags) => {
      code = await manifestsCommand(flags, out);
    });
  program
    .command('matrix')
    .description(
      'all variants over every non-OK gRPC code x create/delete/grant/revoke, against their declared policies',
    )
    .option(
      '--variant <name=patch|binary>',
      'add a variant: a patch applied to --base, or a sidecar binary (repeatable)',
      collect,
    )
    .option(
      '--policy <name=file>',
      "a variant's declared retry policy (default patches/policies/NAME.yaml; repeatable)",
      collect,
    )
    .option('--base <variant>', 'base that --variant patches apply to', 'upstream-v1alpha1')
    .option('--only <variants>', 'comma-separated variants to run')
    .option('--codes <codes>', 'comma-separated gRPC codes (default: all 16 non-OK codes)')
    .option('--rpcs <rpcs>', 'comma-separated RPCs (default: create,delete,grant,revoke)')
    .option('--window <duration>', 'observation window', '60s')
    .option('--planes <n>', PLANES_HELP)
    .option('--full', 'wait out every window instead of deciding each cell as soon as it is certain')
    .option('--out <dir>', 'results and logs directory', 'results/matrix')
    .option('--allow-unavailable', 'do not count variants that cannot be built here as non-conforming')
    .option('--shard <I/N>', "run only this machine's part of the cells (then: report merge)")
    .option(
      '--time-scale <n>',
      `divide tiered-fix's bounded-retry waits (1m, 2m, 5m) by n (default ${DEFAULT_TIME_SCALE}; 1 = real time, give --window 10m)`,
    )
    .action(async (flags) => {
      code = await matrixCommand(flags, out, createProgressReporter(process.stderr));
    });

  program
    .command('sweep')
    .description(
      'the error-code matrix over every upstream release: per RPC and code, the first release where it is terminal',
    )
    .option('--only <variants>', 'comma-separated releases to run (default: all, oldest first)')
    .option('--codes <codes>', 'comma-separated gRPC codes (default: all 16 non-OK codes)')
    .option('--rpcs <rpcs>', 'comma-separated RPCs (default: create,delete,grant,revoke)')
    .addOption(
      new Option('--pattern <pattern>', 'the code on every call, 3 times then OK, or both')
        .choices(['always', 'then-ok', 'both'])
        .default('both'),
    )
    .option('--window <duration>', 'observation window (>= 30 s: the v1alpha1 resync and backoff cap)', '60s')
    .option('--planes <n>', PLANES_HELP)
    .option('--out <dir>', 'results and logs directory', 'results/sweep')
    .option('--shard <I/N>', "run only this machine's part of the cells (then: report merge)")
    .action(async (flags) => {
      code = await sweepCommand(flags, out, createProgressReporter(process.stderr));
    });

  program
    .command('driver-map')
    .description(
      'the driver error-mapping report: backend failures caused for real against a real driver (the upstream sample driver, or the Scality driver at a pinned commit) on a local S3 server, the code it returned, the code the COSI spec asks, and what each sidecar build does with it',
    )
    .option(
      '--driver <driver>',
      'sample (the upstream sample driver), scality (newest) or scality@COMMIT (9bf1529 newest, 9a49a25 before PR #188)',
      'sample',
    )
    .option(
      '--sidecars <results.json>',
      'a matrix or sweep results.json: what each build does with each code',
    )
    .option('--out <dir>', 'report and logs directory', 'results/driver-map')
    .action(async (flags) => {
      code = await driverMapCommand(flags, out);
    });

  program
    .command('conform')
    .description(
      'the COSI conformance suite against a driver, over gRPC: one case per spec rule (like csi-sanity for CSI)',
    )
    .option(
      '--driver <driver>',
      'mock, sample (upstream sample driver, s3:impl on versitygw), sample:fake, scality[@COMMIT] (the Scality driver: 9bf1529 newest, 9a49a25 before PR #188), unix:///path.sock, HOST:PORT, or a driver binary',
    )
    .option('--parameters <k=v>', 'BucketClass parameter sent on every create (repeatable)', collect)
    .option(
      '--access-parameters <k=v>',
      'BucketAccessClass parameter sent on every grant (repeatable)',
      collect,
    )
    .option('--protocol <protocol>', 'S3, Azure or GCS', 'S3')
    .option('--only <ids>', 'comma-separated case ids to run')
    .option('--skip <ids>', 'comma-separated case ids to leave out')
    .option('--deadline <duration>', 'deadline of every call (default 10s)')
    .option('--driver-arg <arg>', 'a binary: argument ({socket} is its socket path; repeatable)', collect)
    .option('--driver-env <k=v>', 'a binary: environment variable (repeatable)', collect)
    .option(
      '--hook-nonempty <cmd>',
      'command that puts an object in bucket $COSI_BUCKET_NAME ($COSI_BUCKET_ID)',
    )
    .option('--hook-empty <cmd>', 'command that removes it again (so the cleanup can delete the bucket)')
    .option('--hook-stop-backend <cmd>', "command that stops the driver's backend (run last)")
    .option('--out <dir>', 'results and logs directory', 'results/conform')
    .action(async (flags) => {
      code = await conformCommand(flags, out, err);
    });

  program
    .command('init')
    .description(
      'scaffold a driver repository: scenarios with your driver, a CI workflow and a README (never overwrites a file)',
    )
    .option(
      '--driver <binary|socket>',
      'your driver: a binary, unix:///path/to/driver.sock or HOST:PORT (default mock)',
    )
    .option('--dir <dir>', 'folder for the scenarios and the README', 'cosi-chaos')
    .action(async (flags) => {
      code = await initCommand(flags, out);
    });

  program
    .command('build')
    .description(
      'build every pinned component a run needs into the cache now, a few at a time (etcd, kube-apiserver, each release and patch)',
    )
    .option(
      '--all',
      'also the matrix builds, the real drivers (sample, Scality, versitygw) and the single-node cluster: everything `npm test` runs',
    )
    .option('--jobs <n>', `go builds at once (default $${BUILD_JOBS_ENV} or 2)`)
    .action(async (flags) => {
      code = await buildCommand(flags, out);
    });

  program
    .command('doctor')
    .description('which binaries exist, where they came from, and how to get the rest')
    .action(async () => {
      code = await doctorCommand(out);
    });

  const report = program
    .command('report')
    .description('regenerate a report from results JSON, or compare two runs')
    .enablePositionalOptions()
    .argument('[results]', 'results JSON written by run')
    .option(
      '--format <format>',
      'md, junit, html, json, or issue (a GitHub issue body for an upstream bug)',
      'md',
    )
    .option('--output <file>', 'write to a file instead of stdout (issue: the timeline SVG goes beside it)')
    .option('--scenario <name>', 'issue: the scenario to report (default: the first one still retrying)')
    .option(
      '--logs <dir>',
      "issue: the run's logs folder, for the sidecar log excerpt (default: logs/ beside the results)",
    )
    .action(async (file: string | undefined, flags) => {
      if (!file) throw new UsageError('report needs a results JSON file (or: report compare A.json B.json)');
      code = await reportCommand(file, flags, out);
    });
  report
    .command('compare')
    .description(
      'what changed between two runs, or (--format pr) a patched variant against upstream, cell by cell',
    )
    .argument('<a>', 'earlier (pr: base, upstream) results JSON')
    .argument('<b>', 'later (pr: patched) results JSON; may be the same matrix file')
    .option('--format <format>', 'md, or pr (evidence for a fix PR)', 'md')
    .option('--output <file>', 'write to a file instead of stdout')
    .option(
      '--base-variant <names>',
      'pr: variant of A to compare (default: its only one, or upstream-v1alpha1); A,B: one section per base (tiered-fix against upstream-v1alpha1 and against correct-fix)',
    )
    .option(
      '--patched-variant <name>',
      'pr: variant of B to compare (default: its only one other than the base)',
    )
    .action(async (a: string, b: string, flags) => {
      code = await compareCommand(a, b, flags, out);
    });
  report
    .command('merge')
    .description('join the results of every shard (matrix or sweep --shard I/N) into one run')
    .argument('<shards...>', "every shard's results JSON")
    .option('--out <dir>', 'where the merged results and reports go', 'results/merged')
    .action(async (files: string[], flags) => {
      code = await mergeCommand(files, flags, out);
    });

  program
    .command('driver')
    .description('run the mock COSI driver')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[]) => {
      const { runDriverCommand } = await import('../mock-driver/driver-command.ts');
      code = await runDriverCommand(args);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    throw e;
  }
  return code;
}

try {
  process.exitCode = await main(process.argv.slice(2));
  // Every child has been stopped by now; do not wait on stray timers or sockets of libraries.
  process.exit(process.exitCode);
} catch (e) {
  const { code, message } = exitCodeFor(e);
  err(`error: ${message}`);
  process.exitCode = code;
  process.exit(process.exitCode);
}
