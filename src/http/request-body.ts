import { RouteConfig } from '@nestjs/platform-fastify';
import { HttpException } from '@nestjs/common';
import { json, raw, urlencoded } from 'body-parser';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseContentType } from 'content-type';
import typeIs from 'type-is';
import { toErrorResponse } from './api-exception.filter';

/** The largest bodies read, in bytes (HttpConfig.bodyLimits); a larger one is a 413 `{"detail"}`. */
export interface BodyLimits {
  /** JSON and form bodies. */
  jsonBytes: number;
  /** Bodies a route reads itself (@ReadsOwnBody, e.g. a signed delivery whose signature covers the raw bytes). */
  ownBodyBytes: number;
}

const METHODS_WITHOUT_BODY = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

type RawRequest = IncomingMessage & { body?: unknown };
type Parser = ReturnType<typeof json>;
export type BodyHook = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void;

/** Parse errors (invalid JSON, too large, compressed...) become the API's `{"detail"}` errors. */
function finish(request: FastifyRequest, done: (error?: Error) => void, error: unknown): void {
  if (error) {
    const { status, body } = toErrorResponse(error, request.url);
    done(new HttpException(body, status));
    return;
  }
  request.body = (request.raw as RawRequest).body;
  done();
}

function run(parser: Parser, request: FastifyRequest, reply: FastifyReply, next: (error?: unknown) => void) {
  parser(request.raw, reply.raw as ServerResponse, next);
}

export const JSON_MEDIA_TYPE = 'application/json';
export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/** How a route takes its body, as route metadata (Fastify's route `config`, see the decorators below). */
interface BodyRouteConfig {
  /** @TakesNoBody: none is read. */
  takesNoBody?: boolean;
  /** @ReadsOwnBody: the handler reads the raw bytes itself (readRawBody). */
  readsOwnBody?: boolean;
  /** @AcceptsMediaTypes: the media types the body may have (default: JSON only). */
  mediaTypes?: string[];
  /** Set on @ReadsOwnBody routes when they are registered: the parser readRawBody uses. */
  ownBodyParser?: Parser;
}

/** Marks an operation that takes no request body (e.g. a POST that only triggers work): none is read. */
export const TakesNoBody = (): MethodDecorator => RouteConfig({ takesNoBody: true } satisfies BodyRouteConfig);

/**
 * Marks an operation that reads its body itself with readRawBody (the exact bytes, any content type,
 * up to BodyLimits.ownBodyBytes), once it knows the request has somewhere to go. A request that matches no
 * route under the same path (up to its first parameter) has its body read the same way.
 */
export const ReadsOwnBody = (): MethodDecorator => RouteConfig({ readsOwnBody: true } satisfies BodyRouteConfig);

/** The media types an operation's body may have, when not JSON only (the login also takes the OAuth2 form). */
export const AcceptsMediaTypes = (...mediaTypes: string[]): MethodDecorator =>
  RouteConfig({ mediaTypes } satisfies BodyRouteConfig);

/** The 415 message: what is expected, and what was sent when it is a plain media type (never echoes anything else). */
export function unsupportedMediaTypeDetail(accepted: string[], contentType: string | undefined): string {
  const sent = contentType?.split(';')[0].trim().toLowerCase();
  const got = !sent
    ? 'no Content-Type was sent'
    : /^[a-z0-9.+-]{1,64}\/[a-z0-9.+-]{1,64}$/.test(sent)
      ? `got ${sent}`
      : 'got another type';
  return `Content-Type must be ${accepted.join(' or ')} (${got})`;
}

/** The body hooks, with body-parser's parsers built once for the configured limits. */
function bodyHooks(limits: BodyLimits) {
  // Compressed bodies are refused (415) rather than inflated; JSON must be an object or an array.
  const jsonParser = json({ limit: limits.jsonBytes, inflate: false });
  const formParser = urlencoded({ extended: false, limit: limits.jsonBytes, inflate: false });
  // A route that reads its own body gets the exact bytes (a signature may cover them), whatever the content type.
  const rawParser = raw({ type: () => true, limit: limits.ownBodyBytes, inflate: false });

  /** JSON or the OAuth2 form (`application/x-www-form-urlencoded`); any other body is left unread. */
  const parseApiBody: BodyHook = (request, reply, done) => {
    if (METHODS_WITHOUT_BODY.has(request.method)) return done();
    if (declaresUnsupportedJsonCharset(request)) return finish(request, done, unsupportedCharset());
    run(jsonParser, request, reply, (error) => {
      if (error) return finish(request, done, error);
      run(formParser, request, reply, (formError) => finish(request, done, formError));
    });
  };

  /**
   * A route's body hook: a body of another media type (or none at all) is a 415 naming the accepted
   * types, before anything is parsed. Otherwise JSON, or the OAuth2 form where accepted.
   */
  const parseRouteBody =
    (accepted: string[]): BodyHook =>
    (request, reply, done) => {
      if (METHODS_WITHOUT_BODY.has(request.method)) return done();
      if (!typeIs(request.raw, accepted))
        return done(
          new HttpException({ detail: unsupportedMediaTypeDetail(accepted, request.headers['content-type']) }, 415),
        );
      parseApiBody(request, reply, done);
    };

  /** The exact bytes (any content type) as `request.rawBody`, as a @ReadsOwnBody route would read them. */
  const parseRawBody: BodyHook = (request, reply, done) => {
    run(rawParser, request, reply, (error) => {
      const body = (request.raw as RawRequest).body;
      (request as FastifyRequest & { rawBody?: Buffer }).rawBody = Buffer.isBuffer(body) ? body : undefined;
      finish(request, done, error);
    });
  };

  return { rawParser, parseApiBody, parseRouteBody, parseRawBody };
}

/**
 * The charsets a JSON body may declare: UTF-8, and the UTF-16 and UTF-32 forms JSON parsers detect.
 * body-parser takes any name that starts with `utf-` and that iconv-lite knows, and iconv-lite drops
 * every character of a name but letters and digits: `utf-7` (which lets markup slip past filters that
 * read UTF-8) or `utf-8/` would be decoded. Read with the parser body-parser uses (content-type), so
 * that both see the same charset; a header it cannot parse is left to body-parser's own error.
 */
const JSON_CHARSETS = new Set(['utf-8', 'utf-16', 'utf-16le', 'utf-16be', 'utf-32', 'utf-32le', 'utf-32be']);

function declaresUnsupportedJsonCharset(request: FastifyRequest): boolean {
  if (!typeIs(request.raw, [JSON_MEDIA_TYPE])) return false;
  const header = request.headers['content-type'];
  if (typeof header !== 'string') return false;
  let charset: string | undefined;
  try {
    charset = parseContentType(header).parameters.charset?.toLowerCase();
  } catch {
    return false;
  }
  return charset !== undefined && !JSON_CHARSETS.has(charset);
}

/** body-parser's own error for a charset it does not decode: the same 415 `{"detail"}` follows. */
const unsupportedCharset = () =>
  Object.assign(new Error('unsupported charset'), { status: 415, type: 'charset.unsupported' });

/**
 * The body of a @ReadsOwnBody route, read when the handler asks (the webhook receiver: once it knows
 * the delivery has somewhere to go: project, configuration, secret): the exact bytes (any content
 * type, up to BodyLimits.ownBodyBytes), with the same errors as every other body (413, 415 for a compressed one, 400 for
 * an aborted one). Not Fastify's `rawBody`: that is read before the handler runs, for every request.
 */
export function readRawBody(request: FastifyRequest): Promise<Buffer | undefined> {
  const { ownBodyParser } = request.routeOptions.config as BodyRouteConfig;
  if (!ownBodyParser) return Promise.reject(new Error('readRawBody: the route is not marked @ReadsOwnBody'));
  return new Promise((resolve, reject) => {
    ownBodyParser(request.raw, {} as ServerResponse, (error?: unknown) => {
      if (error) {
        const { status, body } = toErrorResponse(error, request.url);
        return reject(new HttpException(body, status));
      }
      const body = (request.raw as RawRequest).body;
      resolve(Buffer.isBuffer(body) ? body : undefined);
    });
  });
}

/**
 * Bodies are read by body-parser rather than by Fastify's content-type
 * parsers (or Nest's `rawBody`): what is accepted and how it fails must stay byte for byte the same,
 * and that is body-parser's behaviour (covered by test/wrong-inputs, hostile-input-*, abuse-limits):
 * JSON in any `utf-*` charset (decoded by iconv-lite) and any other charset a 415; `strict` JSON (an
 * object or an array, else the 422 `json_invalid`); an empty body as `{}`; a Content-Length over the
 * limit refused before reading (413) and a length mismatch or aborted upload a 400; compressed bodies
 * a 415 (`inflate: false`); the form's 1,000-parameter limit (413). Fastify's own body handling is
 * switched off: it would also refuse a malformed Content-Type with 415 where the API reads no body,
 * read bodies of GET/DELETE that the API ignores, and read the webhook body before the handler has
 * checked that the delivery has somewhere to go (test/webhook-receiver-flood). Only routes that take
 * a body get the parsing hook, so a GET runs no body code at all.
 */
export function installBodyParsing(fastify: FastifyInstance, limits: BodyLimits): BodyHook {
  const { rawParser, parseApiBody, parseRouteBody, parseRawBody } = bodyHooks(limits);
  // The path space of the @ReadsOwnBody routes (each up to its first parameter), case-insensitive.
  const rawBodyPaths: string[] = [];
  let underRawBodyPath: RegExp | undefined;
  for (const method of fastify.supportedMethods) {
    fastify.addHttpMethod(method, { hasBody: false, overrideExisting: true });
  }
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const config = (route.config ?? {}) as BodyRouteConfig;
    // Read by the handler (readRawBody), after its own checks.
    if (config.readsOwnBody) {
      route.config = { ...route.config, ownBodyParser: rawParser } satisfies BodyRouteConfig;
      rawBodyPaths.push(staticPrefix(route.url));
      underRawBodyPath = new RegExp(`^(?:${rawBodyPaths.map(escapeRegExp).join('|')})(?:[/?#]|$)`, 'i');
      return;
    }
    // A POST that takes no body (@TakesNoBody) never reads one: like a GET's, a body sent is ignored.
    if (config.takesNoBody) return;
    if (methods.every((method) => METHODS_WITHOUT_BODY.has(method))) return;
    const existing = route.preValidation ? [route.preValidation].flat() : [];
    route.preValidation = [parseRouteBody(config.mediaTypes ?? [JSON_MEDIA_TYPE]), ...existing];
  });
  // For requests that match no route: the body is read as a route at that path would read it (a body
  // error wins over the 404): raw under a @ReadsOwnBody route's path, else JSON or the form.
  return (request, reply, done) =>
    (underRawBodyPath?.test(request.url) ? parseRawBody : parseApiBody)(request, reply, done);
}

/** A route's path up to its first parameter, without a trailing slash: `/a/b/:id/:mode` → `/a/b`. */
function staticPrefix(url: string): string {
  const param = url.search(/[:*]/);
  return (param < 0 ? url : url.slice(0, param)).replace(/\/+$/, '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
