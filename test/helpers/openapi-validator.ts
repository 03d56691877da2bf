import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The committed spec, which the responses must match (not the one the running code would generate). */
export const COMMITTED_SPEC_PATH = join(__dirname, '..', '..', 'openapi', 'openapi.json');

type JsonObject = Record<string, unknown>;

interface ResponseLike {
  status: number;
  text?: string;
  headers: Record<string, string | string[] | undefined>;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Objects with documented properties get `additionalProperties: false` (unless they say otherwise),
 * so a field the spec does not list fails too: it is either undocumented or a leak.
 */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (!isObject(node)) return node;
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(node)) result[key] = closeObjects(value);
  if (isObject(result.properties) && !('additionalProperties' in result)) result.additionalProperties = false;
  return result;
}

interface Route {
  template: string;
  regex: RegExp;
  literalLength: number;
  item: JsonObject;
}

/** Checks HTTP responses against the operations of an OpenAPI 3.1 document. */
export class OpenApiResponseValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly routes: Route[];
  private readonly components: unknown;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(spec: JsonObject) {
    addFormats(this.ajv);
    const closed = closeObjects(spec) as JsonObject;
    this.components = closed.components;
    this.routes = Object.entries(closed.paths as Record<string, JsonObject>).map(([template, item]) => ({
      template,
      // Express routing is not strict about a trailing slash, so neither is the match.
      regex: new RegExp(`^${template.replace(/\/$/, '').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
      literalLength: template.replace(/\{[^}]+\}/g, '').length,
      item,
    }));
  }

  static fromCommittedSpec(): OpenApiResponseValidator {
    return new OpenApiResponseValidator(JSON.parse(readFileSync(COMMITTED_SPEC_PATH, 'utf8')) as JsonObject);
  }

  /** The documented path template of a request path (the most literal one when several match). */
  findPath(path: string): Route | undefined {
    return this.routes.filter((route) => route.regex.test(path)).sort((a, b) => b.literalLength - a.literalLength)[0];
  }

  /** Problems of one response; an empty list when it is exactly what the spec promises. */
  problems(method: string, url: string, res: ResponseLike): string[] {
    const path = new URL(url, 'http://x').pathname;
    const where = `${method.toUpperCase()} ${path} → ${res.status}`;
    const route = this.findPath(path);
    if (!route) return [`${where}: no such path in the spec`];
    const operation = route.item[method.toLowerCase()];
    if (!isObject(operation)) return [`${where}: ${method.toUpperCase()} ${route.template} is not in the spec`];
    const responses = operation.responses as Record<string, JsonObject>;
    const documented = responses[String(res.status)] ?? responses[`${String(res.status)[0]}XX`] ?? responses.default;
    if (!documented) {
      return [`${where}: status ${res.status} is not documented (documented: ${Object.keys(responses).join(', ')})`];
    }
    const text = res.text ?? '';
    const content = documented.content as Record<string, JsonObject> | undefined;
    if (!content) return text.length > 0 ? [`${where}: the spec documents no body, got ${text.slice(0, 80)}`] : [];
    const contentType = String(res.headers['content-type'] ?? '');
    const media = content[contentType.split(';')[0].trim()];
    if (!media)
      return [`${where}: content type "${contentType}" is not documented (${Object.keys(content).join(', ')})`];
    if (!media.schema) return [];
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return [`${where}: body is not JSON`];
    }
    const validate = this.validatorFor(`${method} ${route.template} ${res.status} ${contentType}`, media.schema);
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) => `${where}: body${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
    );
  }

  assertResponse(method: string, url: string, res: ResponseLike): void {
    const problems = this.problems(method, url, res);
    if (problems.length > 0) throw new Error(`Response does not match openapi/openapi.json:\n${problems.join('\n')}`);
  }

  private validatorFor(key: string, schema: unknown): ValidateFunction {
    let validate = this.compiled.get(key);
    if (!validate) {
      // `#/components/...` references resolve against this root, which carries the spec's components.
      validate = this.ajv.compile({ ...(schema as JsonObject), components: this.components });
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

export const VALIDATED_METHODS = new Set(HTTP_METHODS);
