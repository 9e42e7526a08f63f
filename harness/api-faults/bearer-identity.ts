/**
 * The subject of a bearer token that is a JWT (ServiceAccount tokens: system:serviceaccount:NS:NAME), read
 * without verifying it: the API server behind the proxy verifies. Undefined for static tokens and no token.
 */
export function bearerSubject(authorization: string | undefined): string | undefined {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  const payload = token?.split('.')[1];
  if (!payload || token?.split('.').length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}
