import { describe, expect, it } from 'vitest';
import { ProcessStartError } from '../process/process-errors.ts';
import { NodeClusterUnavailableError } from './node-cluster-error.ts';
import { explainStartFailure } from './start-failure.ts';

const failed = (tail: string) =>
  new ProcessStartError('kubelet', '/bin/kubelet', 'exited before healthy', '/tmp/x/kubelet.log', tail, 1);

describe('explainStartFailure', () => {
  it('says what to do when the host is the cause, keeping the ProcessStartError as cause', () => {
    const err = explainStartFailure(
      'kubelet',
      failed('failed to listen on 0.0.0.0:10250: listen tcp 0.0.0.0:10250: bind: address already in use'),
    );
    expect(err).toBeInstanceOf(NodeClusterUnavailableError);
    expect((err as NodeClusterUnavailableError).message).toContain('pass kubeletPort');
    expect((err as Error).cause).toBeInstanceOf(ProcessStartError);
  });

  it('leaves any other failure as it was', () => {
    const original = failed('some flag error');
    expect(explainStartFailure('kubelet', original)).toBe(original);
  });
});
