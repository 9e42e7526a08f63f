import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_ADMIN_ADDRESS, parseAdminAddress } from './admin-server.ts';
import { DriverListenError } from './grpc-driver-server.ts';
import { startMockDriver } from './mock-driver.ts';
import { loadRuleFile } from './rule-file.ts';
import { RuleFileError } from './rule-file-error.ts';
import { watchRuleFile } from './rule-file-watcher.ts';

// Exit codes: 0 stopped by signal/EOF, 1 infrastructure failure (cannot listen), 2 bad flags or rule file.
export const EXIT_OK = 0;
export const EXIT_INFRASTRUCTURE = 1;
export const EXIT_USAGE = 2;

interface DriverFlags {
  socket: string;
  upstream?: string;
  name: string;
  rules: string;
  journal?: string;
  admin: string;
  tcp?: string;
  exitOnStdinEof?: boolean;
}

// What grpc-js can dial: a unix socket (unix:/p or unix:///p) or a TCP HOST:PORT.
const UPSTREAM_ADDRESS = /^(unix:\/{0,2}\/\S+|(\[[^\]]+\]|[^:\s/]+):\d{1,5})$/;

// `cosi-chaos driver ...`: runs the mock driver until SIGTERM/SIGINT (or stdin EOF with --exit-on-stdin-eof).
// Prints one JSON line {"event":"listening",...} on stdout once both listeners are up; errors go to stderr.
/** Longest unix socket path Linux can bind (sun_path is 108 bytes including the terminating NUL). */
export const MAX_UNIX_SOCKET_PATH = 107;

export async function runDriverCommand(argv: string[]): Promise<number> {
  const command = new Command('cosi-chaos driver')
    .description('Serve a scriptable mock COSI driver (v1alpha1 and v1alpha2) on a unix socket')
    .requiredOption('--socket <path>', 'unix socket to serve gRPC on')
    .requiredOption('--name <name>', 'driver name returned by DriverGetInfo')
    .requiredOption('--rules <file>', 'YAML rule file (reloaded when it changes)')
    .option('--journal <file>', 'append one JSON line per call to this file (seq continues across restarts)')
    .addOption(
      new Option('--admin <address>', 'admin HTTP API: HOST:PORT or unix:/path').default(
        DEFAULT_ADMIN_ADDRESS,
      ),
    )
    .option('--tcp <host:port>', 'also serve gRPC on this TCP address')
    .option(
      '--upstream <address>',
      'interpose in front of a real COSI driver (unix:///path.sock or HOST:PORT): calls no rule answers go to it',
    )
    .option('--exit-on-stdin-eof', 'exit when stdin closes (the parent process died)')
    .exitOverride()
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      writeOut: (text) => process.stdout.write(text),
    });

  let flags: DriverFlags;
  try {
    command.parse(argv, { from: 'user' });
    flags = command.opts<DriverFlags>();
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    throw error;
  }

  try {
    // sun_path holds 108 bytes with its NUL: a longer path is silently cut by bind(), and clients dial a name
    // nobody listens on.
    if (Buffer.byteLength(flags.socket) > MAX_UNIX_SOCKET_PATH)
      throw new Error(
        `--socket ${flags.socket}: ${Buffer.byteLength(flags.socket)} bytes, a unix socket path can have at most ${MAX_UNIX_SOCKET_PATH}`,
      );
    parseAdminAddress(flags.admin);
    if (flags.tcp !== undefined && !/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(flags.tcp)) {
      throw new Error(`--tcp ${JSON.stringify(flags.tcp)}: expected HOST:PORT, e.g. 127.0.0.1:7070`);
    }
    if (flags.upstream !== undefined && !UPSTREAM_ADDRESS.test(flags.upstream)) {
      throw new Error(
        `--upstream ${JSON.stringify(flags.upstream)}: expected unix:///path/to/driver.sock or HOST:PORT`,
      );
    }
  } catch (error) {
    process.stderr.write(`cosi-chaos driver: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }

  let rules: ReturnType<typeof loadRuleFile>;
  try {
    rules = loadRuleFile(flags.rules);
  } catch (error) {
    if (!(error instanceof RuleFileError)) throw error;
    process.stderr.write(`cosi-chaos driver: ${error.message}\n`);
    return EXIT_USAGE;
  }

  let driver: Awaited<ReturnType<typeof startMockDriver>>;
  try {
    driver = await startMockDriver({
      socketPath: flags.socket,
      driverName: flags.name,
      rules,
      ...(flags.journal !== undefined ? { journalFile: flags.journal } : {}),
      admin: flags.admin,
      ...(flags.tcp !== undefined ? { tcp: flags.tcp } : {}),
      onCrash: 'exit-process',
      ...(flags.upstream !== undefined ? { upstream: flags.upstream } : {}),
    });
  } catch (error) {
    process.stderr.write(`cosi-chaos driver: ${(error as Error).message}\n`);
    return error instanceof DriverListenError ? EXIT_INFRASTRUCTURE : EXIT_USAGE;
  }

  const watcher = watchRuleFile(
    flags.rules,
    (next) => {
      driver.replaceRules(next);
      process.stderr.write(`cosi-chaos driver: reloaded ${next.rules.length} rule(s) from ${flags.rules}\n`);
    },
    (error) => process.stderr.write(`cosi-chaos driver: keeping previous rules: ${error.message}\n`),
  );

  process.stdout.write(
    `${JSON.stringify({ event: 'listening', socket: driver.socketPath, admin: driver.adminUrl, pid: process.pid })}\n`,
  );

  await new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGTERM', done);
      process.off('SIGINT', done);
      process.stdin.off('end', done);
      resolve();
    };
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
    if (flags.exitOnStdinEof) {
      process.stdin.once('end', done);
      process.stdin.resume();
    }
    void driver.stopped.then(done);
  });
  watcher.stop();
  if (flags.exitOnStdinEof) process.stdin.pause();
  await driver.stop();
  return EXIT_OK;
}
