import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ControlPlaneSecrets {
  saPublicKeyFile: string;
  saSigningKeyFile: string;
  tokenAuthFile: string;
  adminToken: string;
}

/**
 * Writes the service-account signing key pair (TokenRequest needs it) and a static token file holding one
 * admin token in system:masters, used only by the harness itself.
 */
export async function writeControlPlaneSecrets(dir: string): Promise<ControlPlaneSecrets> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const saPublicKeyFile = join(dir, 'sa.pub');
  const saSigningKeyFile = join(dir, 'sa.key');
  const tokenAuthFile = join(dir, 'tokens.csv');
  const adminToken = randomBytes(24).toString('hex');
  await writeFile(saPublicKeyFile, publicKey, { mode: 0o600 });
  await writeFile(saSigningKeyFile, privateKey, { mode: 0o600 });
  await writeFile(tokenAuthFile, `${adminToken},cosi-chaos-admin,cosi-chaos-admin,"system:masters"\n`, {
    mode: 0o600,
  });
  return { saPublicKeyFile, saSigningKeyFile, tokenAuthFile, adminToken };
}
