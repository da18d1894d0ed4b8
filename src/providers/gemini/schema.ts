import type { JsonObject, JsonValue } from './wire.js';

/**
 * Client JSON Schemas (tool parameters, `response_format.json_schema`) made acceptable to Gemini, in the two
 * shapes the API takes (see GeminiSchemaMode): a plain JSON Schema, nearly untouched, or the OpenAPI subset.
 */

const isObject = (value: JsonValue | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * For `parametersJsonSchema` / `responseJsonSchema`: Gemini reads these as plain JSON values and ignores keywords
 * it does not support, so only the root `$schema` declaration (meaningless to it) is removed.
 */
export function toGeminiJsonSchema(schema: JsonObject): JsonObject {
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}

/**
 * A schema that describes "no arguments": an object without properties and without any way to carry others.
 * Gemini refuses an OBJECT schema with empty `properties`, so a zero-argument function is declared without one.
 */
export function isEmptyObjectSchema(schema: JsonObject | undefined): boolean {
  if (!schema) return true;
  if (schema.type !== undefined && schema.type !== 'object') return false;
  const properties = schema.properties;
  if (isObject(properties) && Object.keys(properties).length > 0) return false;
  const additional = schema.additionalProperties;
  if (additional !== undefined && additional !== false) return false;
  return !['anyOf', 'oneOf', 'allOf', '$ref', 'patternProperties', 'items'].some((key) => schema[key] !== undefined);
}

// ---- the OpenAPI subset ----

/**
 * Keys of Gemini's Schema message copied as they are. The structural ones (type, format, nullable, enum, items,
 * properties, required, anyOf) are rebuilt by `sanitise`; anything else fails the whole request ("Unknown name").
 */
const COPIED_KEYS = [
  'title',
  'description',
  'minItems',
  'maxItems',
  'propertyOrdering',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minProperties',
  'maxProperties',
  'default',
  'example',
] as const;

/** Formats the subset accepts per type; other formats are rejected ("only 'enum' and 'date-time' are supported"). */
const SUPPORTED_FORMATS: Record<string, readonly string[]> = {
  string: ['enum', 'date-time'],
  number: ['float', 'double'],
  integer: ['int32', 'int64'],
};

/** What stands in for a recursive `$ref`: the subset has no references, so recursion is cut at one level. */
const RECURSION_STUB: JsonObject = { type: 'object' };

interface SanitiseContext {
  definitions: JsonObject;
  /** `$ref` targets being expanded on the current path, to detect recursion. */
  expanding: readonly string[];
}

/**
 * Rewrites a JSON Schema into Gemini's OpenAPI 3.0 subset: references inlined, `allOf` merged, `oneOf` → `anyOf`,
 * `null` in types or unions → `nullable`, `const` → a one-value enum, enums as strings (non-string enums become a
 * description note, since the subset allows enums on strings only), unsupported keywords and formats dropped,
 * `required` limited to declared properties, empty `properties` removed.
 */
export function toGeminiOpenApiSchema(schema: JsonObject): JsonObject {
  const definitions: JsonObject = {
    ...(isObject(schema.definitions) ? schema.definitions : {}),
    ...(isObject(schema.$defs) ? schema.$defs : {}),
  };
  return sanitise(schema, { definitions, expanding: [] });
}

function referencedName(ref: string): string | undefined {
  const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
  return match?.[1]?.replace(/~1/g, '/').replace(/~0/g, '~');
}

function sanitise(input: JsonValue | undefined, context: SanitiseContext): JsonObject {
  if (!isObject(input)) return {};
  let node: JsonObject = input;

  if (typeof node.$ref === 'string') {
    const name = referencedName(node.$ref);
    const target = name === undefined ? undefined : context.definitions[name];
    const { $ref: _ref, ...siblings } = node;
    if (name === undefined || !isObject(target)) return sanitise(siblings, context);
    if (context.expanding.includes(name)) return { ...RECURSION_STUB, ...pickDescription(siblings) };
    return sanitise({ ...target, ...siblings }, { ...context, expanding: [...context.expanding, name] });
  }

  if (Array.isArray(node.allOf)) node = mergeAllOf(node, context);

  const result: JsonObject = {};
  let nullable = node.nullable === true;
  let type = typeof node.type === 'string' ? node.type : undefined;

  if (Array.isArray(node.type)) {
    const types = node.type.filter((entry): entry is string => typeof entry === 'string');
    if (types.includes('null')) nullable = true;
    const concrete = types.filter((entry) => entry !== 'null');
    if (concrete.length === 1) type = concrete[0];
    else if (concrete.length > 1) result.anyOf = concrete.map((entry) => sanitise({ ...node, type: entry, nullable: false }, context));
  }
  if (type === 'null') {
    nullable = true;
    type = undefined;
  }

  const union = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined;
  if (union) {
    const members: JsonObject[] = [];
    for (const member of union) {
      if (isObject(member) && (member.type === 'null' || (Array.isArray(member.enum) && member.enum.length === 1 && member.enum[0] === null))) {
        nullable = true;
        continue;
      }
      members.push(sanitise(member, context));
    }
    if (members.length === 1 && type === undefined) {
      // `anyOf: [X, {type: null}]` is how generators spell "nullable X": flatten it, the outer description first.
      Object.assign(result, members[0], pickDescription(node));
    } else if (members.length > 0) {
      result.anyOf = members;
    }
  }

  if (type === undefined && result.anyOf === undefined && result.type === undefined) {
    if (isObject(node.properties)) type = 'object';
    else if (node.items !== undefined) type = 'array';
  }
  if (type !== undefined) result.type = type;

  let enumValues: JsonValue[] | undefined = Array.isArray(node.enum) ? node.enum : undefined;
  if (node.const !== undefined) enumValues = [node.const];
  if (enumValues) {
    if (enumValues.includes(null)) nullable = true;
    const values = enumValues.filter((value) => value !== null);
    const effectiveType = (result.type as string | undefined) ?? (values.every((value) => typeof value === 'string') ? 'string' : undefined);
    if (effectiveType === 'string' || effectiveType === undefined) {
      if (values.length > 0) {
        result.type = 'string';
        result.enum = values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
      }
    } else if (values.length > 0) {
      const note = `Allowed values: ${values.map((value) => JSON.stringify(value)).join(', ')}.`;
      result.description = typeof node.description === 'string' ? `${node.description} ${note}` : note;
    }
  }

  if (isObject(node.properties)) {
    const properties: JsonObject = {};
    for (const [name, value] of Object.entries(node.properties)) properties[name] = sanitise(value, context);
    if (Object.keys(properties).length > 0) result.properties = properties;
    if (Array.isArray(node.required)) {
      const required = node.required.filter((name): name is string => typeof name === 'string' && name in properties);
      if (required.length > 0) result.required = required;
    }
  }

  if (node.items !== undefined) {
    if (Array.isArray(node.items)) {
      const members = node.items.map((item) => sanitise(item, context));
      result.items = members.length === 1 ? members[0]! : { anyOf: members };
    } else {
      result.items = sanitise(node.items, context);
    }
  } else if (Array.isArray(node.prefixItems)) {
    result.items = { anyOf: node.prefixItems.map((item) => sanitise(item, context)) };
  }

  if (typeof node.format === 'string' && typeof result.type === 'string' && SUPPORTED_FORMATS[result.type]?.includes(node.format)) {
    result.format = node.format;
  }
  if (node.example === undefined && Array.isArray(node.examples) && node.examples.length > 0) result.example = node.examples[0]!;

  for (const key of COPIED_KEYS) {
    const value = node[key];
    if (value !== undefined && !(key in result)) result[key] = value;
  }
  if (nullable) result.nullable = true;
  return result;
}

function pickDescription(node: JsonObject): JsonObject {
  return typeof node.description === 'string' ? { description: node.description } : {};
}

/** Folds `allOf` members into one schema: properties and required lists united, other keywords first one wins. */
function mergeAllOf(node: JsonObject, context: SanitiseContext): JsonObject {
  const { allOf, ...rest } = node;
  const merged: JsonObject = { ...rest };
  const properties: JsonObject = isObject(rest.properties) ? { ...rest.properties } : {};
  const required = new Set<string>(Array.isArray(rest.required) ? rest.required.filter((name): name is string => typeof name === 'string') : []);
  for (const member of Array.isArray(allOf) ? allOf : []) {
    const resolved = isObject(member) && typeof member.$ref === 'string' ? resolveReference(member, context) : member;
    if (!isObject(resolved)) continue;
    for (const [key, value] of Object.entries(resolved)) {
      if (key === 'properties' && isObject(value)) Object.assign(properties, value);
      else if (key === 'required' && Array.isArray(value)) for (const name of value) if (typeof name === 'string') required.add(name);
      else if (!(key in merged)) merged[key] = value;
    }
  }
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.size > 0) merged.required = [...required];
  return merged;
}

function resolveReference(node: JsonObject, context: SanitiseContext): JsonValue | undefined {
  const name = typeof node.$ref === 'string' ? referencedName(node.$ref) : undefined;
  return name === undefined ? undefined : context.definitions[name];
}
