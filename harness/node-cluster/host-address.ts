import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

/**
 * The host's primary IPv4 address: the one on the default route's interface (from /proc/net/route), else the
 * first non-internal IPv4. The `kubernetes` Service's Endpoints refuse loopback, so pods reach the API
 * server through this address. Undefined when the host has no non-loopback IPv4.
 */
export function primaryHostAddress(): string | undefined {
  const ifaces = networkInterfaces();
  const ipv4 = (name: string) => ifaces[name]?.find((a) => a.family === 'IPv4' && !a.internal)?.address;
  const viaDefault = defaultRouteInterface();
  if (viaDefault && ipv4(viaDefault)) return ipv4(viaDefault);
  for (const name of Object.keys(ifaces)) {
    const found = ipv4(name);
    if (found) return found;
  }
  return undefined;
}

function defaultRouteInterface(): string | undefined {
  try {
    // "Iface Destination Gateway ...": the default route has destination 00000000.
    return readFileSync('/proc/net/route', 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .find((cols) => cols[1] === '00000000')?.[0];
  } catch {
    return undefined;
  }
}
