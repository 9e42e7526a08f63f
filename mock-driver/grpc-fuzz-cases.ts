import protobuf from 'protobufjs';
import type { CosiEra } from './cosi-protos.ts';
import { requests } from './test-driver.ts';

// How a fuzz payload was made. The kinds from 'over-long-length' to 'deep-nesting' are malformed by construction
// (a conforming decoder must refuse them); 'mutated' and 'random' may or may not decode.
export const GRPC_FUZZ_KINDS = [
  'valid',
  'mutated',
  'random',
  'over-long-length',
  'wrong-wire-type',
  'invalid-utf8',
  'deep-nesting',
  'unknown-method',
  'oversize',
] as const;
export type GrpcFuzzKind = (typeof GRPC_FUZZ_KINDS)[number];

export const MALFORMED_BY_CONSTRUCTION: readonly GrpcFuzzKind[] = [
  'over-long-length',
  'wrong-wire-type',
  'invalid-utf8',
  'deep-nesting',
];

// One method of one era the fuzzer aims at, with its request type (field numbers and wire types come from it).
export interface GrpcFuzzTarget {
  era: CosiEra;
  method: string;
  // /<package>.<Service>/<Method>
  path: string;
  requestType: protobuf.Type;
}

export interface GrpcFuzzCase {
  kind: GrpcFuzzKind;
  path: string;
  era: CosiEra;
  // Undefined for 'unknown-method'.
  method?: string;
  payload: Buffer;
}

export interface GrpcFuzzOptions {
  count: number;
  // Longest 'random' payload; the issue measured 0 to 70,000 bytes.
  maxRandomBytes: number;
  // 'oversize' payloads are this many bytes (just over the driver's limit).
  oversizeBytes: number;
  oversizeCases: number;
}

const WIRE = { varint: 0, fixed64: 1, delimited: 2, startGroup: 3, endGroup: 4, fixed32: 5 } as const;

// Seeded, so a failing run can be replayed: the same random source gives the same cases in the same order.
export function generateGrpcFuzzCases(
  targets: GrpcFuzzTarget[],
  random: () => number,
  options: GrpcFuzzOptions,
): GrpcFuzzCase[] {
  const int = (below: number) => Math.floor(random() * below);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const bytes = (length: number) => {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = int(256);
    return out;
  };
  const cases: GrpcFuzzCase[] = [];
  for (let i = 0; i < options.oversizeCases; i++) {
    const target = pick(targets);
    cases.push({ ...caseOf(target), kind: 'oversize', payload: bytes(options.oversizeBytes) });
  }
  while (cases.length < options.count) {
    const target = pick(targets);
    const roll = random();
    const valid = validRequest(target, int);
    if (roll < 0.08) cases.push({ ...caseOf(target), kind: 'valid', payload: valid });
    else if (roll < 0.4)
      cases.push({ ...caseOf(target), kind: 'mutated', payload: mutate(valid, int, bytes) });
    else if (roll < 0.6) {
      // Log-uniform sizes: most payloads short (where decoders trip), some up to maxRandomBytes.
      const length = Math.floor(Math.exp(random() * Math.log(options.maxRandomBytes + 1))) - 1;
      cases.push({ ...caseOf(target), kind: 'random', payload: bytes(length) });
    } else if (roll < 0.72) {
      cases.push({ ...caseOf(target), kind: 'over-long-length', payload: overLongLength(valid, int, bytes) });
    } else if (roll < 0.82 && target.requestType.fieldsArray.length > 0) {
      cases.push({
        ...caseOf(target),
        kind: 'wrong-wire-type',
        payload: wrongWireType(target, valid, int, bytes),
      });
    } else if (roll < 0.9 && stringFields(target.requestType).length > 0) {
      cases.push({ ...caseOf(target), kind: 'invalid-utf8', payload: invalidUtf8(target, valid, int) });
    } else if (roll < 0.94) {
      cases.push({ ...caseOf(target), kind: 'deep-nesting', payload: deepGroups(200 + int(2000)) });
    } else if (roll < 0.97) {
      const unknown = pick([
        `${target.path}Nope`,
        target.path.replace(/\/[^/]+$/, '/DriverDoesNotExist'),
        target.path.replace(/Provisioner|Identity/, 'Janitor'),
        '/cosi.v0.Provisioner/DriverCreateBucket',
      ]);
      cases.push({ era: target.era, kind: 'unknown-method', path: unknown, payload: valid });
    } else cases.push({ ...caseOf(target), kind: 'valid', payload: valid });
  }
  return cases;
}

function caseOf(target: GrpcFuzzTarget): Pick<GrpcFuzzCase, 'path' | 'era' | 'method'> {
  return { path: target.path, era: target.era, method: target.method };
}

// A well-formed request for the method, with names the generator picks (so creates do not all collide).
function validRequest(target: GrpcFuzzTarget, int: (below: number) => number): Buffer {
  const name = `fuzz-${int(50)}`;
  const id = `bkt-${int(50)}`;
  const params: Record<string, string> = int(2) === 0 ? {} : { 'cosi-chaos.io/fuzz': String(int(10)) };
  const objects: Record<string, object> = {
    DriverGetInfo: {},
    DriverCreateBucket: requests.create(target.era, name, params),
    DriverGetExistingBucket: { existing_bucket_id: id, parameters: params, protocols: [{ type: 'S3' }] },
    DriverDeleteBucket: requests.delete(target.era, id, params),
    DriverGrantBucketAccess: requests.grant(target.era, id, `acct-${int(9)}`, params),
    DriverRevokeBucketAccess: requests.revoke(target.era, id, `acct-${int(9)}`, params),
  };
  const object = objects[target.method] ?? {};
  const type = target.requestType;
  return Buffer.from(type.encode(type.fromObject(object)).finish());
}

function mutate(valid: Buffer, int: (below: number) => number, bytes: (length: number) => Buffer): Buffer {
  const out = Buffer.from(valid);
  const at = (length: number) => int(length + 1);
  switch (int(6)) {
    case 0: {
      for (let flips = 1 + int(8); flips > 0 && out.length > 0; flips--) {
        const index = int(out.length);
        out[index] = (out[index] as number) ^ (1 << int(8));
      }
      return out;
    }
    case 1:
      return out.subarray(0, at(out.length));
    case 2: {
      const index = at(out.length);
      return Buffer.concat([out.subarray(0, index), bytes(1 + int(32)), out.subarray(index)]);
    }
    case 3: {
      const start = at(out.length);
      return Buffer.concat([out.subarray(0, start), out.subarray(start + 1 + int(16))]);
    }
    case 4:
      return Buffer.concat([out, bytes(1 + int(64))]);
    default: {
      const start = at(out.length);
      const chunk = out.subarray(start, start + 1 + int(24));
      return Buffer.concat([out.subarray(0, start), chunk, chunk, out.subarray(start)]);
    }
  }
}

// A length-delimited field whose declared length runs past the end of the message: the crafted request
// (field 1, 5,000,000,000 bytes declared, 100 sent) and its relatives.
function overLongLength(
  valid: Buffer,
  int: (below: number) => number,
  bytes: (length: number) => Buffer,
): Buffer {
  const tail = bytes(int(200));
  const declared = [tail.length + 1, 100_000, 5_000_000_000, 2 ** 32 - 1, 2 ** 53][int(5)] as number;
  const field = 1 + int(8);
  const prefix = int(2) === 0 ? valid : Buffer.alloc(0);
  return Buffer.concat([prefix, tag(field, WIRE.delimited), varint(declared), tail]);
}

// A declared field sent with a wire type its type never uses (a string as a varint, a message as fixed32, ...).
function wrongWireType(
  target: GrpcFuzzTarget,
  valid: Buffer,
  int: (below: number) => number,
  bytes: (length: number) => Buffer,
): Buffer {
  const fields = target.requestType.fieldsArray;
  const field = fields[int(fields.length)] as protobuf.Field;
  const expected = expectedWireTypes(field);
  const wrong = [WIRE.varint, WIRE.fixed64, WIRE.delimited, WIRE.fixed32].filter(
    (w) => !expected.includes(w),
  );
  const wire = wrong[int(wrong.length)] as number;
  const body =
    wire === WIRE.varint
      ? varint(int(1000))
      : wire === WIRE.fixed64
        ? bytes(8)
        : wire === WIRE.fixed32
          ? bytes(4)
          : Buffer.concat([varint(3), bytes(3)]);
  return Buffer.concat([valid, tag(field.id, wire), body]);
}

// A string field whose bytes are not UTF-8 (proto3 strings must be).
function invalidUtf8(target: GrpcFuzzTarget, valid: Buffer, int: (below: number) => number): Buffer {
  const fields = stringFields(target.requestType);
  const field = fields[int(fields.length)] as protobuf.Field;
  const bad = [Buffer.from([0xff]), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80])][
    int(3)
  ] as Buffer;
  const value = Buffer.concat([Buffer.from('ok-'), bad]);
  return Buffer.concat([valid, tag(field.id, WIRE.delimited), varint(value.length), value]);
}

// Unknown field 15 as a group nested `depth` deep: skipping it recursively is how decoders blow their stack.
function deepGroups(depth: number): Buffer {
  return Buffer.concat([
    ...Array.from({ length: depth }, () => tag(15, WIRE.startGroup)),
    ...Array.from({ length: depth }, () => tag(15, WIRE.endGroup)),
  ]);
}

function stringFields(type: protobuf.Type): protobuf.Field[] {
  return type.fieldsArray.filter((field) => field.type === 'string' && !field.map);
}

// Wire types a conforming encoder may use for the field (packed and unpacked for repeated scalars).
function expectedWireTypes(field: protobuf.Field): number[] {
  field.resolve();
  if (field.map || field.resolvedType instanceof protobuf.Type) return [WIRE.delimited];
  const scalar = field.resolvedType instanceof protobuf.Enum ? 'int32' : field.type;
  const wire = protobuf.types.basic[scalar as keyof typeof protobuf.types.basic] as number | undefined;
  if (wire === undefined) return [WIRE.delimited];
  return field.repeated && wire !== WIRE.delimited ? [wire, WIRE.delimited] : [wire];
}

function tag(field: number, wire: number): Buffer {
  return varint(field * 8 + wire);
}

function varint(value: number): Buffer {
  const out: number[] = [];
  let rest = BigInt(value);
  while (rest >= 128n) {
    out.push(Number(rest & 127n) | 128);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return Buffer.from(out);
}

// The two crafted requests: field 1 declaring 5,000,000,000 (or 100,000) bytes, then 100 random bytes.
export function craftedOverLongRequest(declared: number, random: () => number): Buffer {
  const tail = Buffer.from(Array.from({ length: 100 }, () => Math.floor(random() * 256)));
  return Buffer.concat([tag(1, WIRE.delimited), varint(declared), tail]);
}
