import { createRequire } from 'node:module';
import protobuf from 'protobufjs';

// What a .proto promises on the wire, flattened so two files can be compared key by key.
// Type names are relative to the file's package ("Protocol", "DriverGrantBucketAccessRequest.AccessedBucket");
// types from elsewhere keep their full name ("google.protobuf.Timestamp"). Options and comments are left out.

export type FieldLabel = 'singular' | 'optional' | 'required' | 'repeated' | 'map';

export interface FieldShape {
  number: number;
  label: FieldLabel;
  // Scalar name, or the message/enum name; for a map, the value type.
  type: string;
  // Map fields only.
  keyType?: string;
  // Name of the real oneof the field belongs to; proto3 `optional` is reported as label "optional" instead.
  oneof?: string;
}

export interface ExtensionShape extends FieldShape {
  extendee: string;
}

export interface RpcShape {
  requestType: string;
  responseType: string;
  requestStream: boolean;
  responseStream: boolean;
}

export interface ProtoContractShape {
  syntax: string;
  package: string;
  // service name -> rpc name -> shape
  services: Record<string, Record<string, RpcShape>>;
  // message name (nested ones dotted) -> field name -> shape
  messages: Record<string, Record<string, FieldShape>>;
  // enum name (nested ones dotted) -> value name -> number
  enums: Record<string, Record<string, number>>;
  // "<extendee>.<field name>" -> shape, for `extend` blocks anywhere in the file
  extensions: Record<string, ExtensionShape>;
}

const require = createRequire(import.meta.url);

// Imports resolved without touching the disk: protobufjs's bundled well-known types, plus descriptor.proto.
function wellKnownImport(name: string): protobuf.INamespace | undefined {
  if (name === 'google/protobuf/descriptor.proto') {
    return require('protobufjs/google/protobuf/descriptor.json') as protobuf.INamespace;
  }
  return protobuf.common.get(name) ?? undefined;
}

// protobufjs does not return the syntax line; a file without one is proto2 by the language's rules.
function declaredSyntax(text: string): string {
  const match = /^\s*(syntax|edition)\s*=\s*["']([^"']+)["']\s*;/m.exec(text);
  return match ? `${match[1]} ${match[2]}` : 'syntax proto2';
}

// Parses .proto text; sourceName labels errors. Imports other than google/protobuf/* are not supported (COSI has none).
export function readProtoContract(text: string, sourceName: string): ProtoContractShape {
  const root = new protobuf.Root();
  let parsed: protobuf.IParserResult;
  try {
    parsed = protobuf.parse(text, root, { keepCase: true });
  } catch (error) {
    throw new Error(`${sourceName}: cannot parse: ${(error as Error).message}`, { cause: error });
  }
  // Without a package the file's own definitions sit at the root next to the imported ones.
  const ownTopLevel = new Set(root.nestedArray);
  for (const name of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
    const bundled = wellKnownImport(name);
    if (!bundled)
      throw new Error(`${sourceName}: import "${name}" is not a google/protobuf file this reader knows`);
    if (bundled.nested) root.addJSON(bundled.nested);
  }
  try {
    root.resolveAll();
  } catch (error) {
    throw new Error(`${sourceName}: cannot resolve types: ${(error as Error).message}`, { cause: error });
  }

  const pkg = parsed.package ?? '';
  const shape: ProtoContractShape = {
    syntax: declaredSyntax(text),
    package: pkg,
    services: {},
    messages: {},
    enums: {},
    extensions: {},
  };
  const top = pkg === '' ? root : root.lookup(pkg);
  if (!(top instanceof protobuf.Namespace)) return shape;
  const relative = (fullName: string) => {
    const name = fullName.replace(/^\./, '');
    return pkg !== '' && name.startsWith(`${pkg}.`) ? name.slice(pkg.length + 1) : name;
  };
  const typeName = (field: protobuf.Field) =>
    field.resolvedType ? relative(field.resolvedType.fullName) : field.type;

  const fieldShape = (field: protobuf.Field): FieldShape => {
    const out: FieldShape = { number: field.id, label: 'singular', type: typeName(field) };
    if (field instanceof protobuf.MapField) {
      out.label = 'map';
      out.keyType = field.keyType;
    } else if (field.repeated) {
      out.label = 'repeated';
    } else if (field.required) {
      out.label = 'required';
    } else if (field.options?.proto3_optional === true) {
      out.label = 'optional';
    }
    if (field.partOf && !field.partOf.isProto3Optional) out.oneof = field.partOf.name;
    return out;
  };

  const walk = (ns: protobuf.NamespaceBase) => {
    for (const item of ns.nestedArray) {
      if (ns === root && !ownTopLevel.has(item)) continue;
      if (item instanceof protobuf.Type) {
        const fields: Record<string, FieldShape> = {};
        for (const field of item.fieldsArray) fields[field.name] = fieldShape(field);
        shape.messages[relative(item.fullName)] = fields;
        walk(item);
      } else if (item instanceof protobuf.Enum) {
        shape.enums[relative(item.fullName)] = { ...item.values };
      } else if (item instanceof protobuf.Service) {
        const rpcs: Record<string, RpcShape> = {};
        for (const method of item.methodsArray) {
          rpcs[method.name] = {
            requestType: relative(method.resolvedRequestType?.fullName ?? method.requestType),
            responseType: relative(method.resolvedResponseType?.fullName ?? method.responseType),
            requestStream: method.requestStream === true,
            responseStream: method.responseStream === true,
          };
        }
        shape.services[relative(item.fullName)] = rpcs;
      } else if (item instanceof protobuf.Field && item.extend !== undefined) {
        const extendee = ns.lookup(item.extend);
        const extendeeName = extendee ? relative(extendee.fullName) : item.extend;
        shape.extensions[`${extendeeName}.${item.name}`] = { ...fieldShape(item), extendee: extendeeName };
      } else if (item instanceof protobuf.Namespace) {
        walk(item);
      }
    }
  };
  walk(top);
  return shape;
}
