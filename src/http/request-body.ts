import { RouteConfig } from '@nestjs/platform-fastify';
import { HttpException } from '@nestjs/common';
import { json, raw, urlencoded } from 'body-parser';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import typeIs from 'type-is';
import { toErrorResponse } from './api-exception.filter';

/** Largest request body accepted; larger ones get 413 `{"detail"}`. */
export const BODY_LIMIT = '64kb';
/** Stripe's deliveries are kept as raw bytes (their signature covers them) and may be larger. */
export const WEBHOOK_PATH = '/api/v1/payments/stripe/webhooks';
export const WEBHOOK_BODY_LIMIT = '1mb';

const METHODS_WITHOUT_BODY = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);
/** The webhook path and anything below it, matched like a route: case-insensitive, query ignored. */
const UNDER_WEBHOOK_PATH = new RegExp(`^${WEBHOOK_PATH.replaceAll('/', '\\/')}(?:[/?#]|$)`, 'i');

type RawRequest = IncomingMessage & { body?: unknown };
type Parser = ReturnType<typeof json>;
type BodyHook = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void;

// Compressed bodies are refused (415) rather than inflated; JSON must be an object or an array.
const jsonParser = json({ limit: BODY_LIMIT, inflate: false });
const formParser = urlencoded({ extended: false, limit: BODY_LIMIT, inflate: false });
// The webhook receiver verifies Stripe's signature over the exact bytes: keep them, whatever the content type.
const webhookParser = raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT, inflate: false });

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
/** The login also takes the OAuth2 password form (Swagger UI's Authorize sends it); every other body is JSON. */
export const LOGIN_PATH = '/api/v1/auth/login';

/** The media types a route's body may have. */
export function acceptedMediaTypes(url: string): string[] {
  return url.toLowerCase().replace(/\/$/, '') === LOGIN_PATH ? [JSON_MEDIA_TYPE, FORM_MEDIA_TYPE] : [JSON_MEDIA_TYPE];
}

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

/**
 * A route's body hook: a body of another media type (or none at all) is a 415 naming the accepted
 * types, before anything is parsed. Otherwise JSON, or the OAuth2 form where accepted.
 */
function parseRouteBody(accepted: string[]): BodyHook {
  return (request, reply, done) => {
    if (METHODS_WITHOUT_BODY.has(request.method)) return done();
    if (!typeIs(request.raw, accepted))
      return done(
        new HttpException({ detail: unsupportedMediaTypeDetail(accepted, request.headers['content-type']) }, 415),
      );
    parseApiBody(request, reply, done);
  };
}

/** JSON or the OAuth2 form (`application/x-www-form-urlencoded`); any other body is left unread. */
const parseApiBody: BodyHook = (request, reply, done) => {
  if (METHODS_WITHOUT_BODY.has(request.method)) return done();
  run(jsonParser, request, reply, (error) => {
    if (error) return finish(request, done, error);
    run(formParser, request, reply, (formError) => finish(request, done, formError));
  });
};

/** The exact bytes (any content type, up to 1 MB) as `request.rawBody`, for the signature check. */
const parseWebhookBody: BodyHook = (request, reply, done) => {
  run(webhookParser, request, reply, (error) => {
    const body = (request.raw as RawRequest).body;
    (request as FastifyRequest & { rawBody?: Buffer }).rawBody = Buffer.isBuffer(body) ? body : undefined;
    finish(request, done, error);
  });
};

/**
 * The webhook routes read their body themselves, once they know the delivery has somewhere to go
 * (project, configuration, secret): the exact bytes (any content type, up to 1 MB), with the same
 * errors as every other body (413, 415 for a compressed one, 400 for an aborted one).
 */
export function readWebhookBody(request: FastifyRequest): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    webhookParser(request.raw, {} as ServerResponse, (error?: unknown) => {
      if (error) {
        const { status, body } = toErrorResponse(error, request.url);
        return reject(new HttpException(body, status));
      }
      const body = (request.raw as RawRequest).body;
      resolve(Buffer.isBuffer(body) ? body : undefined);
    });
  });
}

/** For requests that match no route: their body is read as it would be by a route at that path. */
export const parseUnroutedBody: BodyHook = (request, reply, done) =>
  (UNDER_WEBHOOK_PATH.test(request.url) ? parseWebhookBody : parseApiBody)(request, reply, done);

/**
 * Bodies are read by body-parser, as they were under Express, so that what is accepted and how it
 * fails (content types, charsets, encodings, limits, JSON strictness) stays the same. Fastify's own
 * body handling is switched off: it would refuse a malformed Content-Type with 415 where the API
 * reads no body, and read bodies of GET/DELETE that the API ignores. Only routes that take a body
 * get the parsing hook, so a GET runs no body code at all.
 */
/** Marks an operation that takes no request body (e.g. a POST that only triggers work): none is read. */
export const TakesNoBody = (): MethodDecorator => RouteConfig({ takesNoBody: true });

export function installBodyParsing(fastify: FastifyInstance): void {
  for (const method of fastify.supportedMethods) {
    fastify.addHttpMethod(method, { hasBody: false, overrideExisting: true });
  }
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    // Webhook routes read their body in the handler (readWebhookBody), after checking the project.
    if (UNDER_WEBHOOK_PATH.test(route.url)) return;
    // A POST that takes no body (@TakesNoBody) never reads one: like a GET's, a body sent is ignored.
    if ((route.config as { takesNoBody?: boolean } | undefined)?.takesNoBody) return;
    if (methods.every((method) => METHODS_WITHOUT_BODY.has(method))) return;
    const existing = route.preValidation ? [route.preValidation].flat() : [];
    route.preValidation = [parseRouteBody(acceptedMediaTypes(route.url)), ...existing];
  });
}
