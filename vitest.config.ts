import { defineConfig } from 'vitest/config';

// End-to-end suites start real processes (etcd, kube-apiserver, sidecars): generous timeouts, no file parallelism
// beyond what 2 cores can carry.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 30 * 60_000,
    maxWorkers: 2,
  },
});
