import { runDriverCommand } from './driver-command.ts';

// Standalone entry for `node --import tsx mock-driver/main.ts ...` (tests, and sidecar pods without the CLI).
process.exitCode = await runDriverCommand(process.argv.slice(2));
process.exit();
