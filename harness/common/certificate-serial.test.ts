import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createProxyTls } from '../api-faults/proxy-certificate.ts';
import { certificateSerialHex } from './certificate-serial.ts';

describe('certificateSerialHex', () => {
  it('is 16 bytes whose first byte is 0x01-0x7f: positive and minimal in DER', () => {
    for (let i = 0; i < 5000; i++) {
      const hex = certificateSerialHex();
      expect(hex).toMatch(/^[0-9a-f]{32}$/);
      const first = Number.parseInt(hex.slice(0, 2), 16);
      expect(first).toBeGreaterThanOrEqual(1);
      expect(first).toBeLessThanOrEqual(0x7f);
    }
  });

  it("gives the proxy's certificates OpenSSL parses, serial unchanged", () => {
    const tls = createProxyTls();
    for (const pem of [tls.caPem, tls.certPem]) {
      const cert = new X509Certificate(pem);
      expect(cert.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
      expect(cert.serialNumber.startsWith('00')).toBe(false);
    }
  });
});
