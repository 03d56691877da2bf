import type { OpenAPIObject } from '@nestjs/swagger';
import { REQUEST_EXAMPLE_EXTENSION, TRAILING_SLASH_EXTENSION } from './openapi.decorators';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * Each request body's example (declared with @ApiRequestExample beside its operation), as the JSON
 * media type's only named example: Swagger UI pre-fills it instead of inventing values from the
 * schema's patterns. The extension itself is removed.
 */
function addRequestExamples(paths: JsonObject): void {
  for (const item of Object.values(paths)) {
    for (const [method, operation] of Object.entries(item as JsonObject)) {
      if (!HTTP_METHODS.has(method) || !isObject(operation)) continue;
      const example = operation[REQUEST_EXAMPLE_EXTENSION] as JsonObject | undefined;
      delete operation[REQUEST_EXAMPLE_EXTENSION];
      const json = ((operation.requestBody as JsonObject | undefined)?.content as JsonObject | undefined)?.[
        'application/json'
      ] as JsonObject | undefined;
      if (example && json) json.examples = { example: { summary: example.summary, value: example.value } };
    }
  }
}

/**
 * A path whose operations carry @ApiPathWithTrailingSlash is written with the trailing slash the
 * reference API uses; the extension itself is removed.
 */
function withTrailingSlashIfMarked(path: string, item: JsonObject): string {
  let marked = false;
  for (const [method, operation] of Object.entries(item)) {
    if (!HTTP_METHODS.has(method) || !isObject(operation) || !(TRAILING_SLASH_EXTENSION in operation)) continue;
    marked = true;
    delete operation[TRAILING_SLASH_EXTENSION];
  }
  return marked && !path.endsWith('/') ? `${path}/` : path;
}

/** Keywords that describe the value itself and stay on the outer schema when `null` is added. */
const ANNOTATIONS = new Set(['title', 'description', 'example', 'examples', 'default', 'deprecated', 'readOnly']);

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * OpenAPI 3.0 `nullable: true` → the 3.1 / JSON Schema 2020-12 spelling the reference uses:
 * `{type: 'string', nullable: true}` becomes `{type: ['string', 'null']}`; a `$ref` or composition
 * becomes `{anyOf: [{...}, {type: 'null'}]}` (a type array there would not help: `allOf: [$ref]`
 * alone already rejects null). Annotations such as the description stay outside.
 */
function nullableTo31(schema: JsonObject): JsonObject {
  const { nullable, ...rest } = schema;
  if (nullable !== true) return rest;
  const composed = ['$ref', 'allOf', 'anyOf', 'oneOf'].some((key) => key in rest);
  if (typeof rest.type === 'string' && !composed) return { ...rest, type: [rest.type, 'null'] };
  const outer: JsonObject = {};
  const inner: JsonObject = {};
  for (const [key, value] of Object.entries(rest)) (ANNOTATIONS.has(key) ? outer : inner)[key] = value;
  return { ...outer, anyOf: [inner, { type: 'null' }] };
}

/** Walks every schema-like object; `nullable` only ever appears on schemas, so a blind walk is safe. */
function convertSchemas(node: Json): Json {
  if (Array.isArray(node)) return node.map(convertSchemas);
  if (!isObject(node)) return node;
  const converted: JsonObject = {};
  for (const [key, value] of Object.entries(node)) converted[key] = convertSchemas(value);
  return 'nullable' in converted ? nullableTo31(converted) : converted;
}

/** Object keys sorted at every level (arrays keep their order): the committed file diffs cleanly. */
export function sortKeys<T extends Json>(node: T): T {
  if (Array.isArray(node)) return node.map(sortKeys) as T;
  if (!isObject(node)) return node;
  const sorted: JsonObject = {};
  for (const key of Object.keys(node).sort()) sorted[key] = sortKeys(node[key]);
  return sorted as T;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/**
 * Every route needs a bearer token (global JwtAuthGuard) unless it is @Public(); protected operations
 * carry @ApiDeveloperAuth(), so an operation without `security` is a public one: say so with `[]`.
 */
function markPublicOperations(item: JsonObject): JsonObject {
  const marked: JsonObject = {};
  for (const [key, value] of Object.entries(item)) {
    if (!HTTP_METHODS.has(key) || !isObject(value)) marked[key] = value;
    else marked[key] = 'security' in value ? { ...value } : { ...value, security: [] };
  }
  return marked;
}

/**
 * Turns the document @nestjs/swagger builds (OpenAPI 3.0) into the one that is served and committed:
 * OpenAPI 3.1 nullability, the reference's trailing-slash paths, explicit `security: []` on public
 * operations, the request body examples the operations declare, sorted keys.
 */
export function finalizeOpenApiDocument(document: OpenAPIObject): OpenAPIObject {
  const paths: JsonObject = {};
  for (const [path, item] of Object.entries(document.paths)) {
    const marked = markPublicOperations(item as unknown as JsonObject);
    paths[withTrailingSlashIfMarked(path, marked)] = marked;
  }
  const converted = convertSchemas({ ...(document as unknown as JsonObject), paths }) as JsonObject;
  addRequestExamples(converted.paths as JsonObject);
  return sortKeys({ ...converted, openapi: '3.1.0' }) as unknown as OpenAPIObject;
}
