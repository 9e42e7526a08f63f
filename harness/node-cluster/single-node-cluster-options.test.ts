import { describe, expect, it } from 'vitest';
import { validateNodeClusterOptions } from './single-node-cluster-options.ts';

describe('validateNodeClusterOptions', () => {
  it('accepts the defaults and good values', () => {
    expect(() => validateNodeClusterOptions({})).not.toThrow();
    expect(() =>
      validateNodeClusterOptions({ nodeIp: '192.0.2.2', podSubnet: '10.201.3.0/24', kubeletPort: 10250 }),
    ).not.toThrow();
  });

  it.each([
    [{ nodeIp: '127.0.0.1' }, /nodeIp: "127.0.0.1" is not a non-loopback IPv4/],
    [{ podSubnet: '10.1.0.0/16' }, /podSubnet: "10.1.0.0\/16"/],
    [{ kubeletPort: 70000 }, /kubeletPort: 70000/],
    [{ nodeName: 'Node_1' }, /nodeName: "Node_1"/],
    [{ workDir: `/tmp/${'x'.repeat(80)}` }, /workDir: .* unix socket/],
  ])('names the bad option and value: %j', (opts, message) => {
    expect(() => validateNodeClusterOptions(opts)).toThrow(message);
  });
});
