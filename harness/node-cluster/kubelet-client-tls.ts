import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';
import { certificateSerialHex } from '../common/certificate-serial.ts';

/** Files for the API server -> kubelet hop (logs, exec, port-forward): a CA the kubelet trusts and a client pair. */
export interface KubeletClientTls {
  /** The kubelet's authentication.x509.clientCAFile. */
  caFile: string;
  /** kube-apiserver --kubelet-client-certificate / --kubelet-client-key. */
  certFile: string;
  keyFile: string;
}

// Valid for a week: one run at most. The kubelet serves with its own self-signed pair; only the client side needs a CA.
const VALIDITY_MS = 7 * 24 * 3600 * 1000;

/**
 * A throwaway CA and a client certificate (CN kube-apiserver-kubelet-client, O system:masters) it signed, so the
 * kubelet authenticates the API server by x509 and authorizes it by SubjectAccessReview, not anonymously.
 */
export async function writeKubeletClientTls(dir: string): Promise<KubeletClientTls> {
  const caKeys = rsaKeyPair();
  const ca = newCertificate(caKeys.publicKey, [
    { name: 'commonName', value: 'cosi-chaos kubelet client CA' },
  ]);
  ca.setIssuer(ca.subject.attributes);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const clientKeys = rsaKeyPair();
  const client = newCertificate(clientKeys.publicKey, [
    { name: 'commonName', value: 'kube-apiserver-kubelet-client' },
    { name: 'organizationName', value: 'system:masters' },
  ]);
  client.setIssuer(ca.subject.attributes);
  client.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  client.sign(caKeys.privateKey, forge.md.sha256.create());

  const files: KubeletClientTls = {
    caFile: join(dir, 'kubelet-client-ca.crt'),
    certFile: join(dir, 'apiserver-kubelet-client.crt'),
    keyFile: join(dir, 'apiserver-kubelet-client.key'),
  };
  await writeFile(files.caFile, forge.pki.certificateToPem(ca));
  await writeFile(files.certFile, forge.pki.certificateToPem(client));
  await writeFile(files.keyFile, forge.pki.privateKeyToPem(clientKeys.privateKey), { mode: 0o600 });
  return files;
}

// Node's native key generation: forge's pure-JS RSA takes seconds.
function rsaKeyPair(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
  };
}

function newCertificate(
  publicKey: forge.pki.rsa.PublicKey,
  subject: forge.pki.CertificateField[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = certificateSerialHex();
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + VALIDITY_MS);
  cert.setSubject(subject);
  return cert;
}
