import { describe, expect, it } from 'vitest';
import { controllerCommand } from './controller-process.ts';
import { sidecarCommand } from './sidecar-process.ts';

// The command lines each era's upstream binaries are started with (their flags are upstream facts).
describe('component command lines', () => {
  const base = { binary: '/bin/x', kubeconfigPath: '/k/kc', namespace: 'ns', logDir: '/l' };

  it('v1alpha1: kubeconfig and klog verbosity; POD_NAMESPACE places the leader Lease (and the event sink)', () => {
    expect(controllerCommand({ ...base, id: 'controller', era: 'v1alpha1' })).toEqual({
      args: ['--kubeconfig=/k/kc', '--v=5'],
      env: { POD_NAMESPACE: 'ns', KUBECONFIG: '/k/kc' },
    });
    const sc = sidecarCommand({ ...base, variant: 'v', era: 'v1alpha1', driverSocket: '/s/d.sock' });
    expect(sc.args).toContain('--driver-addr=unix:///s/d.sock');
    expect(sc.env.POD_NAMESPACE).toBe('ns');
  });

  it('v1alpha2: its own 127.0.0.1 health and plain-HTTP metrics ports (the :8081 default collides)', () => {
    const c = controllerCommand({
      ...base,
      id: 'controller',
      era: 'v1alpha2',
      healthPort: 7001,
      metricsPort: 7002,
    });
    expect(c.args).toEqual([
      '--kubeconfig=/k/kc',
      '--health-probe-bind-address=127.0.0.1:7001',
      '--metrics-bind-address=127.0.0.1:7002',
      '--metrics-secure=false',
    ]);
    const s = sidecarCommand({
      ...base,
      variant: 'v',
      era: 'v1alpha2',
      driverSocket: '/s/d.sock',
      healthPort: 7003,
    });
    expect(s.args).toContain('--health-probe-bind-address=127.0.0.1:7003');
    expect(s.args).toContain('--metrics-bind-address=0');
    expect(s.env.COSI_ENDPOINT).toBe('unix:///s/d.sock');
  });

  it("a variant's time scale reaches the sidecar as COSI_CHAOS_TIME_SCALE; every other sidecar gets 1 (real time)", () => {
    const opts = { ...base, variant: 'v', era: 'v1alpha1' as const, driverSocket: '/s/d.sock' };
    expect(sidecarCommand({ ...opts, timeScale: 60 }).env.COSI_CHAOS_TIME_SCALE).toBe('60');
    expect(sidecarCommand(opts).env.COSI_CHAOS_TIME_SCALE).toBe('1');
  });
});
