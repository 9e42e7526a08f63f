import { defineConfig } from 'vitest/config';
import { chainsaw } from './vitest.config.ts';

// `npm run test:chainsaw`: upstream COSI's chainsaw test against `cosi-chaos up` (builds chainsaw on first use).
export default defineConfig({
  test: { testTimeout: 10 * 60_000, hookTimeout: 60 * 60_000, include: chainsaw },
});
