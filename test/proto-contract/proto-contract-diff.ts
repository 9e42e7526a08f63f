import type { FieldShape, ProtoContractShape, RpcShape } from './proto-contract-shape.ts';

// One way our contract and upstream's disagree. A side that is null lacks the item altogether.
export interface ContractDifference {
  // e.g. "message DriverDeleteBucketRequest / field delete_context", "service Provisioner / rpc DriverCreateBucket"
  path: string;
  ours: string | null;
  upstream: string | null;
}

// "path: ours X, upstream Y" / "path: only upstream has it (Y)" / "path: only ours has it (X)".
export function formatDifference(difference: ContractDifference): string {
  const { path, ours, upstream } = difference;
  if (ours === null) return `${path}: only upstream has it (${upstream})`;
  if (upstream === null) return `${path}: only ours has it (${ours})`;
  return `${path}: ours ${ours}, upstream ${upstream}`;
}

// Label and type as written in a .proto: "map<string, string>", "repeated ObjectProtocol", "optional string".
function describeType(field: FieldShape): string {
  if (field.label === 'map') return `map<${field.keyType}, ${field.type}>`;
  return field.label === 'singular' ? field.type : `${field.label} ${field.type}`;
}

function describeField(field: FieldShape): string {
  const oneof = field.oneof === undefined ? '' : ` in oneof ${field.oneof}`;
  return `${describeType(field)} = ${field.number}${oneof}`;
}

function describeRpc(rpc: RpcShape): string {
  const stream = (flag: boolean) => (flag ? 'stream ' : '');
  return `(${stream(rpc.requestStream)}${rpc.requestType}) returns (${stream(rpc.responseStream)}${rpc.responseType})`;
}

function sortedUnion(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}

// Fields (or enum values) present on one side only but sharing a number with one on the other side: a rename.
function pairRenames<T>(
  ours: Record<string, T>,
  upstream: Record<string, T>,
  numberOf: (item: T) => number,
): Map<string, string> {
  const oursOnly = Object.keys(ours).filter((name) => !(name in upstream));
  const upstreamOnly = Object.keys(upstream).filter((name) => !(name in ours));
  const renames = new Map<string, string>();
  for (const name of oursOnly) {
    const number = numberOf(ours[name] as T);
    const match = upstreamOnly.find(
      (other) => numberOf(upstream[other] as T) === number && ![...renames.values()].includes(other),
    );
    if (match !== undefined) renames.set(name, match);
  }
  return renames;
}

function diffFields(
  where: string,
  ours: Record<string, FieldShape>,
  upstream: Record<string, FieldShape>,
  out: ContractDifference[],
): void {
  const renames = pairRenames(ours, upstream, (field) => field.number);
  const renamedUpstream = new Set(renames.values());
  for (const [oursName, upstreamName] of renames) {
    const number = (ours[oursName] as FieldShape).number;
    out.push({
      path: `${where} / field #${number}`,
      ours: `named ${oursName}`,
      upstream: `named ${upstreamName}`,
    });
    diffField(
      `${where} / field #${number}`,
      ours[oursName] as FieldShape,
      upstream[upstreamName] as FieldShape,
      out,
    );
  }
  for (const name of sortedUnion(ours, upstream)) {
    if (renames.has(name) || renamedUpstream.has(name)) continue;
    const a = ours[name];
    const b = upstream[name];
    const path = `${where} / field ${name}`;
    if (!a || !b) {
      out.push({ path, ours: a ? describeField(a) : null, upstream: b ? describeField(b) : null });
      continue;
    }
    diffField(path, a, b, out);
  }
}

function diffField(path: string, a: FieldShape, b: FieldShape, out: ContractDifference[]): void {
  if (a.number !== b.number) out.push({ path, ours: `number ${a.number}`, upstream: `number ${b.number}` });
  const typeA = describeType(a);
  const typeB = describeType(b);
  if (typeA !== typeB) out.push({ path, ours: `type ${typeA}`, upstream: `type ${typeB}` });
  if (a.oneof !== b.oneof) {
    const where = (oneof: string | undefined) => (oneof === undefined ? 'in no oneof' : `in oneof ${oneof}`);
    out.push({ path, ours: where(a.oneof), upstream: where(b.oneof) });
  }
}

// Every difference between two contracts, in a stable order: package, services, messages, enums, extensions.
export function diffProtoContracts(
  ours: ProtoContractShape,
  upstream: ProtoContractShape,
): ContractDifference[] {
  const out: ContractDifference[] = [];
  if (ours.syntax !== upstream.syntax)
    out.push({ path: 'syntax', ours: ours.syntax, upstream: upstream.syntax });
  if (ours.package !== upstream.package) {
    out.push({ path: 'package', ours: ours.package, upstream: upstream.package });
  }

  for (const service of sortedUnion(ours.services, upstream.services)) {
    const a = ours.services[service];
    const b = upstream.services[service];
    const where = `service ${service}`;
    if (!a || !b) {
      const rpcs = (rpcMap: Record<string, RpcShape>) => `rpcs ${Object.keys(rpcMap).sort().join(', ')}`;
      out.push({ path: where, ours: a ? rpcs(a) : null, upstream: b ? rpcs(b) : null });
      continue;
    }
    for (const rpc of sortedUnion(a, b)) {
      const sigA = a[rpc] ? describeRpc(a[rpc]) : null;
      const sigB = b[rpc] ? describeRpc(b[rpc]) : null;
      if (sigA !== sigB) out.push({ path: `${where} / rpc ${rpc}`, ours: sigA, upstream: sigB });
    }
  }

  for (const message of sortedUnion(ours.messages, upstream.messages)) {
    const a = ours.messages[message];
    const b = upstream.messages[message];
    const where = `message ${message}`;
    if (!a || !b) {
      const fields = (fieldMap: Record<string, FieldShape>) => `${Object.keys(fieldMap).length} field(s)`;
      out.push({ path: where, ours: a ? fields(a) : null, upstream: b ? fields(b) : null });
      continue;
    }
    diffFields(where, a, b, out);
  }

  for (const enumName of sortedUnion(ours.enums, upstream.enums)) {
    const a = ours.enums[enumName];
    const b = upstream.enums[enumName];
    const where = `enum ${enumName}`;
    if (!a || !b) {
      const values = (valueMap: Record<string, number>) => Object.keys(valueMap).join(', ');
      out.push({ path: where, ours: a ? values(a) : null, upstream: b ? values(b) : null });
      continue;
    }
    const renames = pairRenames(a, b, (value) => value);
    const renamedUpstream = new Set(renames.values());
    for (const [oursName, upstreamName] of renames) {
      out.push({
        path: `${where} / value = ${a[oursName]}`,
        ours: `named ${oursName}`,
        upstream: `named ${upstreamName}`,
      });
    }
    for (const value of sortedUnion(a, b)) {
      if (renames.has(value) || renamedUpstream.has(value)) continue;
      if (a[value] === b[value]) continue;
      const show = (number: number | undefined) => (number === undefined ? null : `= ${number}`);
      out.push({ path: `${where} / value ${value}`, ours: show(a[value]), upstream: show(b[value]) });
    }
  }

  for (const key of sortedUnion(ours.extensions, upstream.extensions)) {
    const a = ours.extensions[key];
    const b = upstream.extensions[key];
    const dot = key.lastIndexOf('.');
    const path = `extend ${key.slice(0, dot)} / field ${key.slice(dot + 1)}`;
    if (!a || !b) {
      out.push({ path, ours: a ? describeField(a) : null, upstream: b ? describeField(b) : null });
      continue;
    }
    diffField(path, a, b, out);
  }
  return out;
}
