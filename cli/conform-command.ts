import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  CONFORM_CASES,
  CONFORM_PROTOCOLS,
  ConformInputError,
  type ConformProtocol,
  type ConformResults,
  ConformTargetError,
  DEFAULT_CONFORM_DEADLINE_MS,
  parseDriverFlag,
  runConformance,
  selectCases,
  startTarget,
} from '../harness/conform/index.ts';
import { parseDuration } from '../harness/index.ts';
import { renderConformJunit } from '../reports/conform-junit.ts';
import { renderConformMarkdown } from '../reports/conform-markdown.ts';
import { ConformResultsSchemaError, writeConformResults } from '../reports/conform-results-file.ts';
import { renderConformTable } from '../reports/conform-table.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { TOOL_VERSION } from './run-lifecycle.ts';

export interface ConformFlags {
  driver?: string;
  parameters?: string[];
  accessParameters?: string[];
  protocol?: string;
  only?: string;
  skip?: string;
  out: string;
  deadline?: string;
  driverArg?: string[];
  driverEnv?: string[];
  hookNonempty?: string;
  hookEmpty?: string;
  hookStopBackend?: string;
}

/** `k=v` flags into a map; a value may hold '=' (only the first splits). */
export function keyValues(flag: string, values: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const at = v.indexOf('=');
    if (at <= 0) throw new UsageError(`--${flag} "${v}" is not KEY=VALUE`);
    out[v.slice(0, at)] = v.slice(at + 1);
  }
  return out;
}

const list = (flag: string | undefined) =>
  (flag ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Exit code of a finished run: 1 when a MUST case failed or could not be checked, else 0. */
export function conformExitCode(results: ConformResults): number {
  return results.summary.mustNotPassed > 0 ? EXIT.expectationFailed : EXIT.ok;
}

/**
 * `cosi-chaos conform`: the conformance suite against one driver. Every flag is checked before anything starts
 * (bad input exits 2); the reports are written before the exit code is decided (0 every MUST passed, 1 one did
 * not, 3 the driver could not be started or reached).
 */
export async function conformCommand(
  flags: ConformFlags,
  out: (line: string) => void,
  progress: (line: string) => void,
): Promise<number> {
  if (!flags.driver)
    throw new UsageError(
      'conform needs --driver (mock, sample, sample:fake, unix:///path.sock, HOST:PORT or a binary)',
    );
  const protocol = (flags.protocol ?? 'S3') as ConformProtocol;
  if (!CONFORM_PROTOCOLS.includes(protocol))
    throw new UsageError(`--protocol ${flags.protocol} is not one of ${CONFORM_PROTOCOLS.join(', ')}`);
  const deadlineMs = flags.deadline ? parseDuration(flags.deadline) : DEFAULT_CONFORM_DEADLINE_MS;
  if (!deadlineMs) throw new UsageError(`--deadline ${flags.deadline} is not a duration like 10s or 500ms`);
  const parameters = keyValues('parameters', flags.parameters);
  const accessParameters = keyValues('access-parameters', flags.accessParameters);
  const binaryEnv = keyValues('driver-env', flags.driverEnv);
  const [only, skip] = [list(flags.only), list(flags.skip)];
  let selection: ReturnType<typeof parseDriverFlag>;
  try {
    selectCases(CONFORM_CASES, only, skip);
    selection = parseDriverFlag(flags.driver);
  } catch (error) {
    if (error instanceof ConformInputError) throw new UsageError(error.message);
    throw error;
  }
  const hooked = flags.hookNonempty || flags.hookEmpty || flags.hookStopBackend;
  if (hooked && (selection.kind === 'mock' || selection.kind === 'sample'))
    throw new UsageError(
      `--hook-* apply to a running driver or a binary: with --driver ${flags.driver} the harness runs the backend and reaches its states itself`,
    );
  if ((flags.driverArg?.length || flags.driverEnv?.length) && selection.kind !== 'binary')
    throw new UsageError('--driver-arg and --driver-env apply to a driver binary only');

  const outDir = resolve(flags.out);
  // A run's logs are its own: a second run into the same --out must not read the first one's (the mock driver's
  // readiness is a line in its log, which is appended to).
  await rm(join(outDir, 'logs'), { recursive: true, force: true });
  let results: ConformResults;
  const target = await startTarget(selection, {
    workDir: join(outDir, 'logs'),
    hooks: {
      ...(flags.hookNonempty ? { nonEmpty: flags.hookNonempty } : {}),
      ...(flags.hookEmpty ? { empty: flags.hookEmpty } : {}),
      ...(flags.hookStopBackend ? { stopBackend: flags.hookStopBackend } : {}),
    },
    binaryArgs: flags.driverArg ?? [],
    binaryEnv,
    progress: (phase, detail) => progress(`${phase}: ${detail}`),
  });
  // Ctrl-C: the driver and its backend go with us (their process groups die with the harness anyway).
  const onSignal = () => {
    void target.stop().finally(() => process.exit(EXIT.interrupted));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    results = await runConformance({
      target,
      driverFlag: flags.driver,
      protocol,
      parameters,
      accessParameters,
      only,
      skip,
      deadlineMs,
      toolVersion: TOOL_VERSION,
      progress,
    });
  } catch (error) {
    if (error instanceof ConformTargetError) {
      out(`error: ${error.message}`);
      return EXIT.infrastructure;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await target.stop();
  }

  const file = join(outDir, 'conform-results.json');
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'conform-results.md'), renderConformMarkdown(results));
  await writeFile(join(outDir, 'conform-results.junit.xml'), renderConformJunit(results));
  try {
    await writeConformResults(file, results);
  } catch (error) {
    if (error instanceof ConformResultsSchemaError) {
      out(`error: ${error.message}`);
      return EXIT.infrastructure;
    }
    throw error;
  }
  out(renderConformTable(results));
  out(`conform results: ${file} (+ .md, .junit.xml; driver logs in ${join(outDir, 'logs')})`);
  return conformExitCode(results);
}
