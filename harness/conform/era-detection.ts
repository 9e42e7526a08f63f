import { COSI_ERAS, connectCosiClient } from '../../mock-driver/index.ts';
import { ConformTargetError, type EraProbe } from './conform-errors.ts';
import type { ConformEra } from './conform-results.ts';

// No answer at all on a service: the connection failed (Unavailable) or the call hung (DeadlineExceeded).
const UNREACHABLE = new Set(['Unavailable', 'DeadlineExceeded']);

/**
 * The eras a driver serves: every era whose DriverGetInfo is answered with anything but Unimplemented (a driver
 * that answers Internal still serves the era; the get-info case judges the answer). Throws ConformTargetError
 * when the driver cannot be reached or serves neither era.
 */
export async function detectEras(address: string, deadlineMs: number): Promise<ConformEra[]> {
  const probes: EraProbe[] = [];
  for (const era of COSI_ERAS) {
    const client = connectCosiClient(era, address);
    try {
      const r = await client.call('DriverGetInfo', {}, { deadlineMs });
      probes.push({ era, code: r.code, ...(r.message ? { message: r.message } : {}) });
    } finally {
      client.close();
    }
  }
  const served = probes.filter((p) => p.code !== 'Unimplemented' && !UNREACHABLE.has(p.code));
  if (served.length > 0) return served.map((p) => p.era);
  const said = probes.map((p) => `${p.era}: ${p.code}${p.message ? ` "${p.message}"` : ''}`).join('; ');
  throw new ConformTargetError(
    probes.every((p) => UNREACHABLE.has(p.code))
      ? `the driver at ${address} does not answer DriverGetInfo (${said}): is it running and listening there?`
      : `the driver at ${address} serves neither cosi.v1alpha1 nor sigs.k8s.io.cosi.v1alpha2 (${said})`,
    address,
    probes,
  );
}
