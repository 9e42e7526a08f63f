import { describe, expect, it } from 'vitest';
import { NodeClusterUnavailableError } from './node-cluster-error.ts';
import { nodeClusterUnavailable } from './node-prerequisites.ts';

describe('nodeClusterUnavailable', () => {
  it('names what is missing and how to install it (or that it needs root)', () => {
    const err = nodeClusterUnavailable({ PATH: '/nonexistent' });
    expect(err).toBeInstanceOf(NodeClusterUnavailableError);
    if (process.getuid?.() === 0) {
      expect(err?.component).toBe('containerd');
      expect(err?.reason).toContain('containerd');
      expect(err?.message).toContain('apt-get install containerd runc containernetworking-plugins');
    } else {
      expect(err?.message).toContain('needs root');
    }
  });
});
