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
      const content = (operation.requestBody as JsonObject | undefined)?.content as JsonObject | undefined;
      // The declared example serves every media type the body is taken in (JSON, and login's form).
      for (const mediaType of ['application/json', 'application/x-www-form-urlencoded']) {
        const media = content?.[mediaType] as JsonObject | undefined;
        if (example && media) media.examples = { example: { summary: example.summary, value: example.value } };
      }
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
 * Path parameters in the order the path names them, then the others as declared: positional
 * clients (orval, oazapfts, swagger-typescript-api) take them in this order, so
 * `getWebhookEvent(projectId, webhookEventId)` reads like its URL.
 */
function parametersInPathOrder(path: string, item: JsonObject): void {
  const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const rank = (p: Json) => {
    const param = p as { in?: string; name?: string };
    return param.in === 'path' && names.includes(param.name ?? '') ? names.indexOf(param.name!) : names.length;
  };
  for (const [method, operation] of Object.entries(item)) {
    if (!HTTP_METHODS.has(method) || !isObject(operation) || !Array.isArray(operation.parameters)) continue;
    // Array.prototype.sort is stable: parameters of equal rank keep their declared order.
    operation.parameters = [...operation.parameters].sort((a, b) => rank(a) - rank(b));
  }
}

/** What a success response says when its decorator gave no description (the reference's wording). */
const SUCCESS_DESCRIPTIONS: Record<string, string> = {
  '200': 'Successful Response',
  '201': 'Created',
  '202': 'Accepted',
  '204': 'No Content',
};

function describeSuccessResponses(item: JsonObject): void {
  for (const [method, operation] of Object.entries(item)) {
    if (!HTTP_METHODS.has(method) || !isObject(operation) || !isObject(operation.responses)) continue;
    for (const [status, response] of Object.entries(operation.responses)) {
      if (isObject(response) && !response.description && SUCCESS_DESCRIPTIONS[status]) {
        response.description = SUCCESS_DESCRIPTIONS[status];
      }
    }
  }
}

/**
 * The order a person meets the operations in, as the reference lists them: Swagger UI shows each
 * tag's operations in the spec's path order (and methods in a path's key order), so the paths are
 * written in this order instead of alphabetically. Operations not named here (new ones) follow, by
 * path, then method.
 */
const OPERATION_ORDER = [
  'register',
  'login',
  'getCurrentUser',
  'listProjects',
  'createProject',
  'getProject',
  'getStripeConfig',
  'updateStripeConfig',
  'deleteStripeConfig',
  'getWebhookUrls',
  'validateStripeCredentials',
  'listAuditLog',
  'createWebhookEndpoint',
  'receiveStripeWebhook',
  'listWebhookEvents',
  'getWebhookEvent',
  'getStripeHealth',
  'refreshStripeHealth',
  'getHealth',
  'getDatabaseHealth',
];

const METHOD_ORDER = ['get', 'put', 'post', 'patch', 'delete', 'options', 'head', 'trace'];

function operationRank(operation: Json): number {
  const id = isObject(operation) ? operation.operationId : undefined;
  const index = typeof id === 'string' ? OPERATION_ORDER.indexOf(id) : -1;
  return index === -1 ? OPERATION_ORDER.length : index;
}

/** Paths (and each path's methods) in OPERATION_ORDER; everything else keeps its sorted keys. */
function inPersonOrder(paths: JsonObject): JsonObject {
  const methodKey = (item: JsonObject, method: string) =>
    HTTP_METHODS.has(method) ? [operationRank(item[method]), METHOD_ORDER.indexOf(method)] : [-1, -1];
  const byKey = (a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1];
  const ordered = Object.entries(paths).map(([path, item]) => {
    const entries = Object.entries(item as JsonObject).sort(
      ([a], [b]) => byKey(methodKey(item as JsonObject, a), methodKey(item as JsonObject, b)) || a.localeCompare(b),
    );
    const first = Math.min(...entries.map(([m, op]) => (HTTP_METHODS.has(m) ? operationRank(op) : Infinity)));
    return { path, first, item: Object.fromEntries(entries) as JsonObject };
  });
  ordered.sort((a, b) => a.first - b.first || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return Object.fromEntries(ordered.map(({ path, item }) => [path, item])) as JsonObject;
}

/**
 * Turns the document @nestjs/swagger builds (OpenAPI 3.0) into the one that is served and committed:
 * OpenAPI 3.1 nullability, the reference's trailing-slash paths, explicit `security: []` on public
 * operations, path parameters in path order, a description on every success response, an example
 * for every request body, sorted keys except the paths, which come in the order a person meets them.
 */
export function finalizeOpenApiDocument(document: OpenAPIObject): OpenAPIObject {
  const paths: JsonObject = {};
  for (const [path, item] of Object.entries(document.paths)) {
    const marked = markPublicOperations(item as unknown as JsonObject);
    const finalPath = withTrailingSlashIfMarked(path, marked);
    paths[finalPath] = marked;
    parametersInPathOrder(finalPath, paths[finalPath] as JsonObject);
    describeSuccessResponses(paths[finalPath] as JsonObject);
  }
  const converted = convertSchemas({ ...(document as unknown as JsonObject), paths }) as JsonObject;
  addRequestExamples(converted.paths as JsonObject);
  const sorted = sortKeys({ ...converted, openapi: '3.1.0' }) as JsonObject;
  return { ...sorted, paths: inPersonOrder(sorted.paths as JsonObject) } as unknown as OpenAPIObject;
}
