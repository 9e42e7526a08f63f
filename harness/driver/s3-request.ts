import { createHash, createHmac } from 'node:crypto';

/** Keys an S3 request is signed with. */
export interface S3Keys {
  accessKey: string;
  secretKey: string;
}

export interface S3Answer {
  status: number;
  body: string;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

// S3's URI encoding: every byte but unreserved characters, '/' kept in paths.
const encode = (s: string, keepSlash: boolean) =>
  encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(keepSlash ? /%2F/g : /$^/, '/');

/**
 * One request to an S3 server on loopback, signed with AWS Signature Version 4 (path-style, payload hashed), as any
 * S3 client would send it: the harness's own way to put an object into a driver's bucket or to try the keys a
 * driver's grant returned, with no SDK.
 */
export async function s3Request(opts: {
  endpoint: string;
  keys: S3Keys;
  method: 'GET' | 'PUT' | 'DELETE' | 'HEAD';
  bucket: string;
  key?: string;
  body?: string;
  region?: string;
}): Promise<S3Answer> {
  const url = new URL(opts.endpoint.includes('://') ? opts.endpoint : `http://${opts.endpoint}`);
  const region = opts.region ?? 'us-east-1';
  const path = `/${encode(opts.bucket, false)}${opts.key ? `/${encode(opts.key, true)}` : ''}`;
  const body = opts.body ?? '';
  const now = new Date();
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = sha256(body);
  const headers: Record<string, string> = {
    host: url.host,
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': amzDate,
  };
  const signed = Object.keys(headers).sort();
  const canonical = [
    opts.method,
    path,
    '',
    ...signed.map((h) => `${h}:${headers[h]}`),
    '',
    signed.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${opts.keys.secretKey}`, day), region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const res = await fetch(`${url.origin}${path}`, {
    method: opts.method,
    headers: {
      ...headers,
      authorization: `AWS4-HMAC-SHA256 Credential=${opts.keys.accessKey}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`,
    },
    ...(opts.method === 'PUT' ? { body } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.text() };
}
