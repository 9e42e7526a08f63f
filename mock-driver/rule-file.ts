import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isPair, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import { RuleFileError } from './rule-file-error.ts';
import { compileRuleSet, RuleSemanticError } from './rule-set.ts';
import type { RuleFileSpec, RuleSet } from './rule-types.ts';

// Published JSON Schema for rule files; editors can point yaml-language-server at it.
export const RULES_SCHEMA_PATH = new URL('../schemas/rules.schema.json', import.meta.url);

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
let validate: Validate | undefined;

function getValidator(): Validate {
  if (!validate) {
    const schema = JSON.parse(readFileSync(RULES_SCHEMA_PATH, 'utf8')) as object;
    // allErrors + verbose: pick the most specific error ourselves and name the allowed keys from the schema.
    validate = new Ajv({ allErrors: true, verbose: true, strict: true }).compile(schema);
  }
  return validate;
}

// Reads and validates a rule file. Throws RuleFileError (file:line:column, JSON path, what to do) on any problem.
export function loadRuleFile(path: string): RuleSet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RuleFileError(
      path,
      0,
      0,
      '',
      `cannot read rule file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check the --rules path`,
      { cause: error },
    );
  }
  return parseRules(text, path);
}

// Parses YAML (or JSON, which is YAML) rule text; sourceName labels errors, e.g. a path or "PUT /rules".
export function parseRules(text: string, sourceName: string): RuleSet {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    const at = lineCounter.linePos(syntaxError.pos[0]);
    throw new RuleFileError(
      sourceName,
      at.line,
      at.col,
      '',
      `not valid YAML: ${firstLine(syntaxError.message)}`,
    );
  }
  const data: unknown = doc.toJS();
  const locate = (segments: (string | number)[], keyNamed?: string) =>
    locateNode(doc.contents, lineCounter, segments, keyNamed);

  if (data === null || data === undefined) {
    throw new RuleFileError(
      sourceName,
      1,
      1,
      '',
      'the rule file is empty; write `rules: []` to run with no rules',
    );
  }
  const validator = getValidator();
  if (!validator(data)) {
    const error = pickMostSpecific(validator.errors ?? []);
    const segments = pointerToSegments(error.instancePath);
    const extraKey =
      error.keyword === 'additionalProperties' ? String(error.params.additionalProperty) : undefined;
    const at = locate(segments, extraKey);
    const path = formatPath(extraKey === undefined ? segments : [...segments, extraKey]);
    throw new RuleFileError(sourceName, at.line, at.col, path, describeSchemaError(error, data));
  }
  try {
    return compileRuleSet(data as RuleFileSpec, sourceName);
  } catch (error) {
    if (error instanceof RuleSemanticError) {
      const at = locate(error.path);
      throw new RuleFileError(sourceName, at.line, at.col, formatPath(error.path), error.message);
    }
    throw error;
  }
}

// Deeper paths first, then anything but type/oneOf noise: with oneOf/anyOf every branch reports an error, and the
// one that names an unknown key or a bad enum value is the one a person can act on.
function pickMostSpecific(errors: ErrorObject[]): ErrorObject {
  const depth = (error: ErrorObject) =>
    error.instancePath === '' ? 0 : error.instancePath.split('/').length;
  const noise = (error: ErrorObject) =>
    error.keyword === 'oneOf' || error.keyword === 'anyOf' ? 2 : error.keyword === 'type' ? 1 : 0;
  const sorted = [...errors].sort((a, b) => depth(b) - depth(a) || noise(a) - noise(b));
  const best = sorted[0];
  if (!best) throw new Error('schema validation failed without reporting an error');
  return best;
}

function describeSchemaError(error: ErrorObject, data: unknown): string {
  const parent = (error.parentSchema ?? {}) as { properties?: Record<string, unknown>; description?: string };
  const allowedKeys = Object.keys(parent.properties ?? {}).join(', ');
  const isAction = parent.description === 'Exactly one kind of action.';
  const value = valueAt(data, pointerToSegments(error.instancePath));
  switch (error.keyword) {
    case 'additionalProperties':
      return allowedKeys
        ? `unknown key ${JSON.stringify(error.params.additionalProperty)}; expected one of: ${allowedKeys}`
        : `unknown key ${JSON.stringify(error.params.additionalProperty)}; this object takes no keys, write {}`;
    case 'required':
      return `missing required key ${JSON.stringify(error.params.missingProperty)}`;
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]).join(', ');
      const what = (error.params.allowedValues as unknown[]).includes('InvalidArgument')
        ? 'gRPC code'
        : 'value';
      return `unknown ${what} ${JSON.stringify(value)}; use one of: ${allowed}`;
    }
    case 'const':
      return `${JSON.stringify(value)} is not supported; the only supported value is ${JSON.stringify(error.params.allowedValue)}`;
    case 'minProperties':
      return isAction
        ? `an action needs exactly one kind; write one of: ${allowedKeys}`
        : `must not be empty; give at least one of: ${allowedKeys}`;
    case 'maxProperties':
      return isAction
        ? `an action has exactly one kind, found ${Object.keys(value as object).join(' and ')}; nest them (e.g. delay.then) or split into rules`
        : `too many keys (at most ${error.params.limit})`;
    case 'minimum':
    case 'maximum':
      return `${JSON.stringify(value)} is out of range; must be ${error.params.comparison} ${error.params.limit}`;
    case 'minItems':
      return `needs at least ${error.params.limit} item(s)`;
    case 'minLength':
      return 'must not be empty';
    case 'uniqueItems':
      return 'lists the same value twice';
    case 'type':
      return `must be ${article(String(error.params.type))}, got ${describeValue(value)}`;
    default:
      return error.message ?? 'does not match the rules schema';
  }
}

function article(type: string): string {
  if (type === 'object') return 'a mapping';
  if (type === 'array') return 'a list';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function pointerToSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

// rules[2].match.parameters["cosi-chaos.io/scenario"]
function formatPath(segments: (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][\w]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function valueAt(data: unknown, segments: (string | number)[]): unknown {
  let current = data;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

// Walks the YAML tree to the deepest node that exists on the path; with keyNamed, points at that key instead.
function locateNode(
  root: unknown,
  lineCounter: LineCounter,
  segments: (string | number)[],
  keyNamed?: string,
): { line: number; col: number } {
  let node = root as Node | null | undefined;
  let best: Node | null | undefined = node;
  for (const segment of segments) {
    const child = childOf(node, segment);
    if (!child) break;
    node = child.value ?? child.key;
    best = node ?? child.key;
  }
  if (keyNamed !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === keyNamed);
    if (pair && isScalar(pair.key)) best = pair.key;
  }
  const offset = best?.range?.[0] ?? 0;
  return lineCounter.linePos(offset);
}

function childOf(
  node: unknown,
  segment: string | number,
): { key: Node | null; value: Node | null } | undefined {
  if (!node || typeof node !== 'object' || !('items' in node)) return undefined;
  const items = (node as { items: unknown[] }).items;
  if (typeof segment === 'number') {
    const item = items[segment] as Node | undefined;
    return item ? { key: item, value: item } : undefined;
  }
  for (const item of items) {
    if (isPair(item) && isScalar(item.key) && String(item.key.value) === segment) {
      return { key: item.key as Node, value: (item.value as Node | null) ?? null };
    }
  }
  return undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
