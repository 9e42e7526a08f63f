import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { certificateSerialHex } from '../common/certificate-serial.ts';

/** PEM material for the proxy's TLS: a throwaway CA, and a serving certificate it signed. */
export interface ProxyTlsMaterial {
  /** What a client's kubeconfig trusts (certificate-authority-data). */
  caPem: string;
  certPem: string;
  keyPem: string;
}

// kube-apiserver keeps no CA key in its --cert-dir (it writes only the self-signed serving pair), so the
// proxy cannot be signed by the control plane's CA: it brings its own, valid for a week (one run at most).
const VALIDITY_MS = 7 * 24 * 3600 * 1000;

/** A fresh CA and a serving certificate for these hosts (IP addresses and DNS names, all as SANs). */
export function createProxyTls(hosts: string[] = ['127.0.0.1', 'localhost']): ProxyTlsMaterial {
  const caKeys = rsaKeyPair();
  const ca = newCertificate(caKeys.publicKey, 'cosi-chaos API fault proxy CA');
  ca.setIssuer(ca.subject.attributes);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const servingKeys = rsaKeyPair();
  const serving = newCertificate(servingKeys.publicKey, 'cosi-chaos API fault proxy');
  serving.setIssuer(ca.subject.attributes);
  serving.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: hosts.map((host) => (isIpAddress(host) ? { type: 7, ip: host } : { type: 2, value: host })),
    },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  serving.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    caPem: forge.pki.certificateToPem(ca),
    certPem: forge.pki.certificateToPem(serving),
    keyPem: servingKeys.privateKeyPem,
  };
}

// Node's native key generation: forge's pure-JS RSA takes seconds.
function rsaKeyPair(): {
  publicKey: forge.pki.rsa.PublicKey;
  privateKey: forge.pki.rsa.PrivateKey;
  privateKeyPem: string;
} {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    // Node's own PEM for the key TLS loads: no re-encoding by forge.
    privateKeyPem: privateKey,
  };
}

function newCertificate(publicKey: forge.pki.rsa.PublicKey, commonName: string): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = certificateSerialHex();
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + VALIDITY_MS);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  return cert;
}

function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}
