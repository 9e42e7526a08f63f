import { randomBytes } from 'node:crypto';

/**
 * A random positive 128-bit certificate serial, as hex, whose DER INTEGER is minimal: the top bit cleared (else it
 * reads as negative) and the first byte never zero (a leading zero byte is the "illegal padding" OpenSSL and Go's
 * x509 refuse; with the first byte merely masked, one certificate in ~256 was refused).
 */
export function certificateSerialHex(): string {
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f || 0x01;
  return serial.toString('hex');
}
