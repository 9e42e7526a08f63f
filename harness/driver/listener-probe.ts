import { connect, type NetConnectOpts } from 'node:net';

/** True when something accepts a connection there (a TCP port or a unix socket): the readiness probe of servers
 * that print nothing machine-readable when they listen. */
export function connects(target: NetConnectOpts): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(target);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
