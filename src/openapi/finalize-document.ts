import type { OpenAPIObject } from '@nestjs/swagger';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * Paths that the reference API writes with a trailing slash. Nest registers them without it; express'
 * non-strict routing serves both, and the spec uses the reference's spelling so generated clients match.
 */
const TRAILING_SLASH_PATHS = ['/api/v1/projects'];

/**
 * The OAuth2 password form login also accepts (Swagger UI's Authorize sends it). @nestjs/swagger gives
 * every media type of an operation the same schema, so the form's own schema is added here.
 */
const OAUTH2_FORM_SCHEMA_NAME = 'OAuth2PasswordRequestForm';
const OAUTH2_FORM_SCHEMA: JsonObject = {
  type: 'object',
  title: 'OAuth2 password request form',
  description: 'The OAuth2 password grant (RFC 6749 §4.3): `username` is the email. Other fields are accepted and ignored.',
  required: ['username', 'password'],
  properties: {
    grant_type: { type: 'string', title: 'Grant Type', description: '`password` when sent' },
    username: { type: 'string', format: 'email', title: 'Username', description: "The developer's email" },
    password: { type: 'string', format: 'password', title: 'Password' },
    scope: { type: 'string', title: 'Scope', default: '' },
    client_id: { type: 'string', title: 'Client Id' },
    client_secret: { type: 'string', format: 'password', title: 'Client Secret' },
  },
};

function addLoginForm(paths: JsonObject, schemas: JsonObject): void {
  const login = (paths['/api/v1/auth/login'] as JsonObject | undefined)?.post as JsonObject | undefined;
  const content = (login?.requestBody as JsonObject | undefined)?.content as JsonObject | undefined;
  if (!content) return;
  content['application/x-www-form-urlencoded'] = {
    schema: { $ref: `#/components/schemas/${OAUTH2_FORM_SCHEMA_NAME}` },
  };
  schemas[OAUTH2_FORM_SCHEMA_NAME] = OAUTH2_FORM_SCHEMA;
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
    marked[key] = HTTP_METHODS.has(key) && isObject(value) && !('security' in value) ? { ...value, security: [] } : value;
  }
  return marked;
}

/**
 * Turns the document @nestjs/swagger builds (OpenAPI 3.0) into the one that is served and committed:
 * OpenAPI 3.1 nullability, the reference's trailing-slash paths, explicit `security: []` on public
 * operations, sorted keys.
 */
export function finalizeOpenApiDocument(document: OpenAPIObject): OpenAPIObject {
  const paths: JsonObject = {};
  for (const [path, item] of Object.entries(document.paths)) {
    const finalPath = TRAILING_SLASH_PATHS.includes(path) ? `${path}/` : path;
    paths[finalPath] = markPublicOperations(item as unknown as JsonObject);
  }
  const converted = convertSchemas({ ...(document as unknown as JsonObject), paths }) as JsonObject;
  addLoginForm(converted.paths as JsonObject, (converted.components as JsonObject).schemas as JsonObject);
  return sortKeys({ ...converted, openapi: '3.1.0' }) as unknown as OpenAPIObject;
}
