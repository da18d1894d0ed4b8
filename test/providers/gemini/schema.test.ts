import test from 'ava';
import { isEmptyObjectSchema, toGeminiJsonSchema, toGeminiOpenApiSchema } from '../../../src/providers/gemini/schema.js';
import type { JsonObject } from '../../../src/providers/gemini/wire.js';
import { checkGenerateContentRequest } from '../../fakes/gemini-upstream.js';

test('JSON Schema mode keeps the schema whole, only the root $schema declaration goes', (t) => {
  const schema: JsonObject = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: { tags: { type: 'array', items: { $ref: '#/$defs/tag' } }, meta: { type: 'object', additionalProperties: { type: 'string' } } },
    $defs: { tag: { type: 'string', minLength: 1 } },
    additionalProperties: false,
  };
  const { $schema: _declaration, ...rest } = schema;
  t.deepEqual(toGeminiJsonSchema(schema), rest);
});

test('zero-argument schemas are recognised, argument-taking ones are not', (t) => {
  t.true(isEmptyObjectSchema(undefined));
  t.true(isEmptyObjectSchema({ type: 'object', properties: {} }));
  t.true(isEmptyObjectSchema({ type: 'object', properties: {}, additionalProperties: false, required: [] }));
  t.true(isEmptyObjectSchema({}));
  t.false(isEmptyObjectSchema({ type: 'object', properties: { a: { type: 'string' } } }));
  t.false(isEmptyObjectSchema({ type: 'object', additionalProperties: { type: 'number' } }));
  t.false(isEmptyObjectSchema({ type: 'object', anyOf: [{ properties: { a: { type: 'string' } } }] }));
  t.false(isEmptyObjectSchema({ type: 'string' }));
});

test('OpenAPI mode inlines $ref and cuts recursion', (t) => {
  const schema: JsonObject = {
    type: 'object',
    properties: {
      owner: { $ref: '#/$defs/person', description: 'Who owns it' },
      tree: { $ref: '#/definitions/node' },
    },
    $defs: { person: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
    definitions: { node: { type: 'object', properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#/definitions/node' } } } } },
  };
  t.deepEqual(toGeminiOpenApiSchema(schema), {
    type: 'object',
    properties: {
      owner: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], description: 'Who owns it' },
      tree: {
        type: 'object',
        properties: { value: { type: 'integer' }, children: { type: 'array', items: { type: 'object' } } },
      },
    },
  });
});

test('OpenAPI mode: unions, nullability, allOf and const', (t) => {
  t.deepEqual(toGeminiOpenApiSchema({ type: ['string', 'null'], description: 'maybe' }), { type: 'string', description: 'maybe', nullable: true });
  t.deepEqual(toGeminiOpenApiSchema({ type: ['string', 'integer'] }), { anyOf: [{ type: 'string' }, { type: 'integer' }] });
  t.deepEqual(toGeminiOpenApiSchema({ oneOf: [{ type: 'string' }, { type: 'number' }] }), { anyOf: [{ type: 'string' }, { type: 'number' }] });
  t.deepEqual(toGeminiOpenApiSchema({ anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }], description: 'count' }), {
    type: 'integer',
    minimum: 1,
    description: 'count',
    nullable: true,
  });
  t.deepEqual(
    toGeminiOpenApiSchema({
      allOf: [
        { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
        { properties: { b: { type: 'number' } }, required: ['b'] },
      ],
    }),
    { type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } }, required: ['a', 'b'] },
  );
  t.deepEqual(toGeminiOpenApiSchema({ const: 'fixed' }), { type: 'string', enum: ['fixed'] });
});

test('OpenAPI mode: enums are strings; non-string enums become a description note; null in an enum is nullable', (t) => {
  t.deepEqual(toGeminiOpenApiSchema({ type: 'string', enum: ['a', 'b', null] }), { type: 'string', enum: ['a', 'b'], nullable: true });
  t.deepEqual(toGeminiOpenApiSchema({ type: 'integer', enum: [1, 2, 3], description: 'Level.' }), {
    type: 'integer',
    description: 'Level. Allowed values: 1, 2, 3.',
  });
  t.deepEqual(toGeminiOpenApiSchema({ enum: ['x', 'y'] }), { type: 'string', enum: ['x', 'y'] });
});

test('OpenAPI mode drops what the Schema message does not know, and unsupported formats', (t) => {
  t.deepEqual(
    toGeminiOpenApiSchema({
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'x',
      type: 'object',
      title: 'Thing',
      properties: {
        email: { type: 'string', format: 'email', examples: ['a@b.c'] },
        when: { type: 'string', format: 'date-time' },
        size: { type: 'number', exclusiveMinimum: 0, maximum: 10, format: 'double' },
        empty: { type: 'object', properties: {}, additionalProperties: true },
        list: { type: 'array', items: [{ type: 'string' }], minItems: 1, uniqueItems: true },
      },
      required: ['email', 'ghost'],
      additionalProperties: false,
      patternProperties: { '^x': { type: 'string' } },
      strict: true,
      if: { properties: { a: { const: 1 } } },
      then: { required: ['b'] },
      not: { type: 'null' },
    }),
    {
      type: 'object',
      title: 'Thing',
      properties: {
        email: { type: 'string', example: 'a@b.c' },
        when: { type: 'string', format: 'date-time' },
        size: { type: 'number', maximum: 10, format: 'double' },
        empty: { type: 'object' },
        list: { type: 'array', items: { type: 'string' }, minItems: 1 },
      },
      required: ['email'],
    },
  );
});

test('whatever OpenAPI mode produces passes the fake API strict Schema check', (t) => {
  const gnarly: JsonObject = {
    type: 'object',
    properties: {
      a: { anyOf: [{ $ref: '#/$defs/x' }, { type: 'null' }] },
      b: { type: ['array', 'null'], items: { oneOf: [{ type: 'string', format: 'uri' }, { type: 'object', properties: {}, additionalProperties: false }] } },
      c: { allOf: [{ $ref: '#/$defs/x' }, { properties: { d: { const: 3 } } }] },
      e: { type: 'object', propertyNames: { pattern: '^a' }, unevaluatedProperties: false, dependentRequired: { a: ['b'] } },
    },
    $defs: { x: { type: 'object', properties: { y: { type: 'string', contentEncoding: 'base64' } }, additionalProperties: false } },
  };
  const parameters = toGeminiOpenApiSchema(gnarly);
  const problems = checkGenerateContentRequest(
    { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], tools: [{ functionDeclarations: [{ name: 'f', parameters }] }] },
    'gemini-2.5-flash',
  );
  t.deepEqual(problems, []);
  // The check itself is not a rubber stamp: the raw schema fails it.
  t.true(
    checkGenerateContentRequest({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }], tools: [{ functionDeclarations: [{ name: 'f', parameters: gnarly }] }] }, 'gemini-2.5-flash')
      .length > 0,
  );
});
