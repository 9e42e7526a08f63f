import { defineConfig } from 'vitest/config';

// End-to-end suites start real processes (etcd, kube-apiserver, sidecars): generous timeouts, no file parallelism
// beyond what 2 cores can carry. The cluster lane (a kubelet node, images, two full runs) is measured alone, after
// everything else: beside other e2e files its windows shared two cores and its verdicts drifted.
const common = { testTimeout: 60_000, hookTimeout: 60 * 60_000 };
const clusterLane = ['test/e2e/cluster-lane.test.ts'];
// Upstream's chainsaw test against `up` (npm run test:chainsaw, vitest.chainsaw.config.ts): building chainsaw cold
// took 411 s here, more than `npm test` can add within CI's budget.
export const chainsaw = ['test/e2e/chainsaw.test.ts'];

export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      {
        test: {
          ...common,
          name: 'suite',
          include: ['**/*.test.ts'],
          exclude: ['node_modules/**', ...clusterLane, ...chainsaw],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...common,
          name: 'cluster-lane',
          include: clusterLane,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
