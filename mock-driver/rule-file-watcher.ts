import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { loadRuleFile } from './rule-file.ts';
import type { RuleFileError } from './rule-file-error.ts';
import type { RuleSet } from './rule-types.ts';

export interface RuleFileWatcher {
  stop(): void;
}

// Quiet period after the last change event before reloading; editors write a file in several steps.
export const RELOAD_DEBOUNCE_MS = 50;

// Reloads the rule file whenever it changes. Watches the directory, not the file, because editors and
// `kubectl cp`-style tools replace the file (new inode) rather than write into it.
export function watchRuleFile(
  path: string,
  onReload: (rules: RuleSet) => void,
  onError: (error: RuleFileError | Error) => void,
): RuleFileWatcher {
  const file = resolve(path);
  let timer: NodeJS.Timeout | undefined;
  let lastText: string | undefined;
  const reload = () => {
    timer = undefined;
    try {
      const rules = loadRuleFile(file);
      // Same content (e.g. touch or a metadata-only event) is not a reload.
      const text = JSON.stringify(rules, (_key, value) => (typeof value === 'function' ? undefined : value));
      if (text === lastText) return;
      lastText = text;
      onReload(rules);
    } catch (error) {
      onError(error as Error);
    }
  };
  try {
    lastText = JSON.stringify(loadRuleFile(file), (_key, value) =>
      typeof value === 'function' ? undefined : value,
    );
  } catch {
    // The caller already loaded (or reported) the initial file.
  }
  const watcher: FSWatcher = watch(dirname(file), (_event, name) => {
    if (name !== null && name !== basename(file)) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(reload, RELOAD_DEBOUNCE_MS);
  });
  return {
    stop() {
      if (timer) clearTimeout(timer);
      watcher.close();
    },
  };
}
