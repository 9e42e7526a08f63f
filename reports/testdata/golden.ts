// Test helper: compares a rendering with reports/testdata/golden/<name>.golden; UPDATE_GOLDEN=1 rewrites it instead.
// The .golden suffix keeps formatters (biome formats .md) from rewriting the expected bytes.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

const GOLDEN_DIR = new URL('./golden/', import.meta.url);

/** Asserts `actual` equals the golden file, or (re)writes it when UPDATE_GOLDEN=1. */
export function expectGolden(name: string, actual: string): void {
  const file = new URL(`${name}.golden`, GOLDEN_DIR);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) {
    throw new Error(`golden file ${file.pathname} missing: run UPDATE_GOLDEN=1 npx vitest run reports`);
  }
  expect(actual, `differs from golden ${name} (UPDATE_GOLDEN=1 rewrites it after review)`).toBe(
    readFileSync(file, 'utf8'),
  );
}
