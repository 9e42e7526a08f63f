import type protobuf from 'protobufjs';
import { COSI_ERAS, COSI_PACKAGES, loadCosiRequestTypes } from './cosi-protos.ts';

/**
 * Parameters the harness puts on classes for its own bookkeeping (rule scoping, the v0.1 sidecar's assist). A real
 * driver behind the interposer must never see them: a driver that refuses unknown parameters answered
 * InvalidArgument to every create carrying one, and no claim became ready.
 */
export const HARNESS_PARAMETER_PREFIX = 'cosi-chaos.io/';

let fieldsByPath: Map<string, Set<number>> | undefined;

/**
 * The field numbers of each request's string maps (`parameters`, and v1alpha1's delete_context and
 * revoke_access_context, which the sidecar fills from the same class parameters), by gRPC method path, read from
 * the protos themselves.
 */
function mapFields(): Map<string, Set<number>> {
  if (fieldsByPath) return fieldsByPath;
  fieldsByPath = new Map();
  for (const era of COSI_ERAS) {
    for (const [method, type] of Object.entries(loadCosiRequestTypes(era))) {
      const ids = new Set(
        type.fieldsArray
          .filter((f) => f.map && (f as unknown as protobuf.MapField).keyType === 'string')
          .map((f) => f.id),
      );
      if (ids.size) fieldsByPath.set(`/${COSI_PACKAGES[era]}.Provisioner/${method}`, ids);
    }
  }
  return fieldsByPath;
}

interface WireField {
  field: number;
  wireType: number;
  start: number;
  end: number;
  /** Where a length-delimited field's payload starts. */
  payload: number;
}

function readVarint(buf: Buffer, at: number): [value: number, next: number] | undefined {
  let value = 0;
  let shift = 0;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const b = buf[i] as number;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [value, i + 1];
  }
  return undefined;
}

/** Top-level fields of a message, undefined when the bytes are not plain protobuf (then nothing is touched). */
function wireFields(buf: Buffer): WireField[] | undefined {
  const out: WireField[] = [];
  let at = 0;
  while (at < buf.length) {
    const tag = readVarint(buf, at);
    if (!tag) return undefined;
    const [key, afterTag] = tag;
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    let end: number;
    let payload = afterTag;
    if (wireType === 0) {
      const v = readVarint(buf, afterTag);
      if (!v) return undefined;
      end = v[1];
    } else if (wireType === 1) end = afterTag + 8;
    else if (wireType === 5) end = afterTag + 4;
    else if (wireType === 2) {
      const len = readVarint(buf, afterTag);
      if (!len) return undefined;
      payload = len[1];
      end = payload + len[0];
    } else return undefined;
    if (end > buf.length) return undefined;
    out.push({ field, wireType, start: at, end, payload });
    at = end;
  }
  return out;
}

function entryKey(entry: Buffer): string | undefined {
  const key = wireFields(entry)?.find((f) => f.field === 1 && f.wireType === 2);
  return key ? entry.subarray(key.payload, key.end).toString('utf8') : undefined;
}

/**
 * The request as the driver should get it: every map entry whose key starts with HARNESS_PARAMETER_PREFIX
 * removed at the wire level, every other byte kept as the sidecar sent it (unknown fields included). The same
 * buffer when there is nothing to remove.
 */
export function withoutHarnessParameters(path: string, bytes: Buffer): Buffer {
  const maps = mapFields().get(path);
  if (maps === undefined || !bytes.includes(HARNESS_PARAMETER_PREFIX)) return bytes;
  const fields = wireFields(bytes);
  if (!fields) return bytes;
  const kept = fields.filter(
    (f) =>
      !(
        maps.has(f.field) &&
        f.wireType === 2 &&
        entryKey(bytes.subarray(f.payload, f.end))?.startsWith(HARNESS_PARAMETER_PREFIX)
      ),
  );
  if (kept.length === fields.length) return bytes;
  return Buffer.concat(kept.map((f) => bytes.subarray(f.start, f.end)));
}
