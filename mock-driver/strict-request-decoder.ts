import { isUtf8 } from 'node:buffer';
import protobuf from 'protobufjs';

// Deeper nesting (messages or unknown groups) is refused; protobufjs's own decoder stops at the same depth.
export const MAX_REQUEST_NESTING = protobuf.Reader.recursionLimit;

// Field numbers run from 1 to 2^29 - 1 (protobuf encoding spec).
const MAX_FIELD_NUMBER = 2 ** 29 - 1;

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32'];
const LENGTH_DELIMITED = 2;
const START_GROUP = 3;
const END_GROUP = 4;

// Request bytes that are not a well-formed message of their type. `reason` says what and where, for the journal.
export class RequestDecodeError extends Error {
  constructor(
    readonly typeName: string,
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`request does not decode as ${typeName}: ${reason}; send a complete, protobuf-encoded ${typeName}`);
    this.name = 'RequestDecodeError';
  }
}

// Same object shape @grpc/proto-loader hands to handlers (see PROTO_LOADER_OPTIONS), so era adapters see no change.
const TO_OBJECT_OPTIONS: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

// Decodes a request, refusing what protobufjs lets through: its Buffer reader cuts a string whose declared length
// runs past the end (a truncated message then reads as a shorter valid one), and it reads a declared field whatever
// wire type it arrives with. Checked here: every length within its message, wire types as declared, strings UTF-8,
// varints at most 10 bytes, field numbers in range, groups closed, nesting bounded. Unknown fields are skipped.
export function decodeRequestStrictly(type: protobuf.Type, bytes: Uint8Array): Record<string, unknown> {
  const typeName = type.fullName.replace(/^\./, '');
  new WireCheck(bytes, typeName).message(shapesOf(type, ''), bytes.length, 0);
  try {
    return type.toObject(type.decode(bytes), TO_OBJECT_OPTIONS);
  } catch (error) {
    // Not expected after the check; kept as a decode error so the caller still answers InvalidArgument.
    throw new RequestDecodeError(typeName, (error as Error).message, 0);
  }
}

// What the wire check needs to know about one field number of one message.
interface FieldShape {
  // Dotted path from the request, e.g. buckets[].access_mode.
  name: string;
  label: string;
  // Scalar type name (string, int32, bytes, ...) or undefined for a message.
  scalar?: string;
  message?: protobuf.Type;
  entry?: (id: number) => FieldShape | undefined;
  repeated: boolean;
}

type Shapes = (id: number) => FieldShape | undefined;

// Built once per message type and path, and per field number as it is first seen: every request of a method has
// the same fields, and building their shapes (names, labels) per call was most of the check's cost. Unknown field
// numbers are not kept, so a sender cannot grow the cache.
const shapeCache = new WeakMap<protobuf.Type, Map<string, Shapes>>();

function shapesOf(type: protobuf.Type, path: string): Shapes {
  let byPath = shapeCache.get(type);
  if (!byPath) {
    byPath = new Map();
    shapeCache.set(type, byPath);
  }
  const cached = byPath.get(path);
  if (cached) return cached;
  const byId = new Map<number, FieldShape>();
  const shapes: Shapes = (id) => {
    const known = byId.get(id);
    if (known) return known;
    const field = type.fieldsById[id];
    if (!field) return undefined;
    const shape = shapeOf(field, id, path);
    byId.set(id, shape);
    return shape;
  };
  byPath.set(path, shapes);
  return shapes;
}

function shapeOf(field: protobuf.Field, id: number, path: string): FieldShape {
  field.resolve();
  const name = `${path}${field.name}`;
  const label = `field ${id} (${name})`;
  if (field instanceof protobuf.MapField) {
    const valueName = `${name} value`;
    const value: FieldShape =
      field.resolvedType instanceof protobuf.Type
        ? { name: valueName, label: valueName, message: field.resolvedType, repeated: false }
        : { name: valueName, label: valueName, scalar: scalarName(field), repeated: false };
    const key: FieldShape = {
      name: `${name} key`,
      label: `${name} key`,
      scalar: field.keyType,
      repeated: false,
    };
    const entry = (entryId: number) => (entryId === 1 ? key : entryId === 2 ? value : undefined);
    return { name, label, entry, repeated: true };
  }
  if (field.resolvedType instanceof protobuf.Type) {
    return { name, label, message: field.resolvedType, repeated: field.repeated };
  }
  return { name, label, scalar: scalarName(field), repeated: field.repeated };
}

// Enums travel as int32 varints.
function scalarName(field: protobuf.Field): string {
  return field.resolvedType instanceof protobuf.Enum ? 'int32' : field.type;
}

// Wire types a conforming encoder may use: packed and unpacked both for repeated numeric fields.
function expectedWireTypes(shape: FieldShape): number[] {
  if (shape.scalar === undefined) return [LENGTH_DELIMITED];
  const wire = protobuf.types.basic[shape.scalar as keyof typeof protobuf.types.basic] as number;
  return shape.repeated && wire !== LENGTH_DELIMITED ? [wire, LENGTH_DELIMITED] : [wire];
}

function describeWire(wire: number): string {
  return WIRE_NAMES[wire] ?? `invalid wire type ${wire}`;
}

class WireCheck {
  private pos = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly typeName: string,
  ) {}

  message(shapes: Shapes, end: number, depth: number): void {
    if (depth > MAX_REQUEST_NESTING)
      this.fail(`messages nested deeper than ${MAX_REQUEST_NESTING}`, this.pos);
    while (this.pos < end) {
      const at = this.pos;
      const { id, wire } = this.tag(end);
      const shape = shapes(id);
      const label = shape?.label ?? `unknown field ${id}`;
      if (wire === START_GROUP && !shape) {
        this.group(id, end, depth + 1);
        continue;
      }
      if (wire === END_GROUP) this.fail(`end-group tag for field ${id} without a matching start-group`, at);
      if (wire > 5) this.fail(`${label} has ${describeWire(wire)}`, at);
      if (shape) {
        const expected = expectedWireTypes(shape);
        if (!expected.includes(wire)) {
          const kind = shape.scalar ?? shape.message?.name ?? 'map';
          this.fail(
            `${label} is ${kind}, encoded as ${expected.map(describeWire).join(' or ')}, but arrived as ${describeWire(wire)}`,
            at,
          );
        }
      }
      if (wire !== LENGTH_DELIMITED) {
        this.skipScalar(wire, end, label);
        continue;
      }
      const lengthAt = this.pos;
      const length = this.varint(end, `the length of ${label}`);
      const remaining = end - this.pos;
      if (length > remaining) {
        this.fail(
          `${label} declares ${length} bytes but only ${remaining} ${remaining === 1 ? 'byte remains' : 'bytes remain'} in its message`,
          lengthAt,
        );
      }
      const contentEnd = this.pos + length;
      if (shape) this.content(shape, contentEnd, depth);
      this.pos = contentEnd;
    }
  }

  private content(shape: FieldShape, end: number, depth: number): void {
    if (shape.entry) {
      this.message(shape.entry, end, depth + 1);
      return;
    }
    if (shape.message) {
      this.message(shapesOf(shape.message, `${shape.name}${shape.repeated ? '[]' : ''}.`), end, depth + 1);
      return;
    }
    if (shape.scalar === 'string') {
      if (!isUtf8(this.bytes.subarray(this.pos, end)))
        this.fail(`${shape.label} is not valid UTF-8`, this.pos);
      return;
    }
    if (shape.scalar === 'bytes') return;
    // A packed repeated numeric field: a run of varints or of fixed-width values.
    const wire = protobuf.types.basic[shape.scalar as keyof typeof protobuf.types.basic] as number;
    if (wire === 0) {
      while (this.pos < end) this.varint(end, `an element of ${shape.label}`);
      return;
    }
    const width = wire === 1 ? 8 : 4;
    if ((end - this.pos) % width !== 0) {
      this.fail(`packed ${shape.label} holds ${end - this.pos} bytes, not a multiple of ${width}`, this.pos);
    }
  }

  // An unknown field sent as a (deprecated) group: skipped up to its matching end-group tag.
  private group(id: number, end: number, depth: number): void {
    const start = this.pos;
    if (depth > MAX_REQUEST_NESTING) this.fail(`groups nested deeper than ${MAX_REQUEST_NESTING}`, start);
    for (;;) {
      if (this.pos >= end) this.fail(`group for field ${id} is never closed`, start);
      const at = this.pos;
      const inner = this.tag(end);
      if (inner.wire === END_GROUP) {
        if (inner.id !== id)
          this.fail(`end-group tag for field ${inner.id} closes the group of field ${id}`, at);
        return;
      }
      if (inner.wire === START_GROUP) this.group(inner.id, end, depth + 1);
      else if (inner.wire === LENGTH_DELIMITED) {
        const length = this.varint(end, `the length of unknown field ${inner.id}`);
        if (length > end - this.pos) {
          this.fail(
            `unknown field ${inner.id} declares ${length} bytes but only ${end - this.pos} remain`,
            at,
          );
        }
        this.pos += length;
      } else if (inner.wire > 5) this.fail(`unknown field ${inner.id} has ${describeWire(inner.wire)}`, at);
      else this.skipScalar(inner.wire, end, `unknown field ${inner.id}`);
    }
  }

  private tag(end: number): { id: number; wire: number } {
    const at = this.pos;
    const tag = this.varint(end, 'a field tag');
    const id = Math.floor(tag / 8);
    if (id < 1 || id > MAX_FIELD_NUMBER)
      this.fail(`field number ${id} is outside 1..${MAX_FIELD_NUMBER}`, at);
    return { id, wire: tag % 8 };
  }

  private skipScalar(wire: number, end: number, label: string): void {
    if (wire === 0) {
      this.varint(end, label);
      return;
    }
    const width = wire === 1 ? 8 : 4;
    if (end - this.pos < width) {
      this.fail(`${label} needs ${width} bytes but only ${end - this.pos} remain`, this.pos);
    }
    this.pos += width;
  }

  // Exact up to 2^53, which is all a length or tag compared against the message size needs.
  private varint(end: number, what: string): number {
    const start = this.pos;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) this.fail(`${what} is cut off`, start);
      const byte = this.bytes[this.pos++] as number;
      value += (byte & 0x7f) * scale;
      scale *= 128;
      if (byte < 0x80) return value;
    }
    return this.fail(`${what} is a varint longer than 10 bytes`, start);
  }

  private fail(reason: string, offset: number): never {
    throw new RequestDecodeError(this.typeName, `${reason} (at byte ${offset})`, offset);
  }
}
