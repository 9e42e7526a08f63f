import {
  BuildError,
  ClusterSidecarError,
  CommandError,
  InvalidScenariosError,
  NoStackError,
  PatchError,
  PolicyError,
  ProcessStartError,
  ScenarioError,
  StackRulesError,
  ToolUnavailableError,
} from '../harness/index.ts';
import { ResultsFileError } from '../reports/index.ts';
import { EXIT, InvalidResultsError, UsageError } from './exit-codes.ts';

/**
 * The exit code and message for an error that ended a command: 2 only for bad input the user can fix (a
 * scenario, rules, flags, a patch, a policy, a results file given to `report`), 3 for everything the tool or
 * the machine broke (a build, a process, results this tool itself could not write).
 */
export function exitCodeFor(e: unknown): { code: number; message: string } {
  if (e instanceof InvalidResultsError) return { code: EXIT.infrastructure, message: e.message };
  // A results file the user handed in is input; one this run failed to write is not.
  if (e instanceof ResultsFileError)
    return { code: e.operation === 'read' ? EXIT.badInput : EXIT.infrastructure, message: e.message };
  if (
    e instanceof ScenarioError ||
    e instanceof InvalidScenariosError ||
    e instanceof UsageError ||
    e instanceof PatchError ||
    e instanceof PolicyError ||
    e instanceof NoStackError ||
    e instanceof StackRulesError
  )
    return { code: EXIT.badInput, message: e.message };
  if (
    e instanceof BuildError ||
    e instanceof ProcessStartError ||
    e instanceof CommandError ||
    e instanceof ClusterSidecarError ||
    e instanceof ToolUnavailableError
  )
    return { code: EXIT.infrastructure, message: e.message };
  return { code: EXIT.infrastructure, message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}
