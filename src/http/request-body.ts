import { HttpException } from '@nestjs/common';
import { json, raw, urlencoded } from 'body-parser';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseContentType } from 'content-type';
import typeIs from 'type-is';
import { toErrorResponse } from './api-exception.filter';
import { holdMemory } from './memory-budget';
import { jsonShape, parsedSizeBound } from './json-shape';
import { UnprocessableEntityError } from './unprocessable-entity.error';
import { WithRouteConfig } from './route-config';

/** The largest bodies read, in bytes (HttpConfig.bodyLimits); a larger one is a 413 `{"detail"}`. */
export interface BodyLimits {
  /** JSON and form bodies. */
  jsonBytes: number;
  /** Bodies a route reads itself (@ReadsOwnBody, e.g. a signed delivery whose signature covers the raw bytes). */
  ownBodyBytes: number;
  /** Most values (object keys included) a JSON body may hold: more is a 413 before it is parsed. */
  maxElements: number;
  /** Deepest nesting of a JSON body: deeper is the 422 "nested too deeply" before it is parsed. */
  maxDepth: number;
}

/** How long a body may take to arrive (HttpConfig.bodyReadLimits, see BodyReadWatch). */
export interface BodyReadLimits {
  /** The whole body, from the request's headers on. */
  timeoutMs: number;
  /** The least average rate, once `graceMs` have passed. */
  minBytesPerSecond: number;
  graceMs: number;
}

/**
 * Memory a body takes while it is read, per byte: body-parser's chunks, their concatenation, and the
 * decoded text (a JSON body) or the text a signature is computed over (a signed delivery).
 */
export const READ_BYTES_PER_BODY_BYTE = 3;

/**
 * Reserves (memory-budget.ts) what reading a body of the announced length takes; a body of unknown
 * length (chunked) reserves what the largest allowed one would take, and one announced over the limit
 * reserves nothing (it is refused with 413 before a byte is read). Null when held, else the error.
 */
function holdForReading(request: Pick<FastifyRequest, 'raw'>, limit: number): HttpException | null {
  const header = request.raw.headers['content-length'];
  const announced = header === undefined || request.raw.headers['transfer-encoding'] ? undefined : Number(header);
  if (announced !== undefined && (!Number.isFinite(announced) || announced > limit)) return null;
  return holdMemory(request, (announced ?? limit) * READ_BYTES_PER_BODY_BYTE);
}

/**
 * The JSON body's shape, read from its bytes before JSON.parse (json-shape.ts): too many values is a
 * 413, nested deeper than the limit the 422 the validation pipe gives a too deep body; then what the
 * parsed value (and the validated copy of it) can take is reserved from the memory budget (503 when
 * it cannot be). Throws; body-parser answers with the error thrown.
 */
function checkJsonShape(limits: BodyLimits) {
  return (req: IncomingMessage, _res: ServerResponse, buf: Buffer, encoding: string): void => {
    const stop = { elements: limits.maxElements, depth: limits.maxDepth };
    const shape = jsonShape(asciiView(buf, encoding), stop);
    if (shape.depth > limits.maxDepth) {
      throw UnprocessableEntityError.single(['body'], 'Input is nested too deeply', 'value_error');
    }
    if (shape.elements > limits.maxElements) {
      throw new HttpException({ detail: `The JSON body holds more than ${limits.maxElements} values` }, 413);
    }
    const refused = holdMemory({ raw: req }, 2 * parsedSizeBound(shape, buf.length));
    if (refused) throw refused;
  };
}

/**
 * The bytes a JSON scan needs, whatever the charset: UTF-8 as it is; a UTF-16 or UTF-32 text one byte
 * per code unit, ASCII units as themselves and every other one as 0x80 (never structural).
 */
function asciiView(buf: Buffer, encoding: string): Uint8Array {
  const charset = encoding.toLowerCase();
  if (!charset.startsWith('utf-16') && !charset.startsWith('utf-32')) return buf;
  const width = charset.startsWith('utf-16') ? 2 : 4;
  const bigEndian = charset.endsWith('be') || (!charset.endsWith('le') && hasBigEndianBom(buf, width));
  const view = new Uint8Array(Math.floor(buf.length / width));
  for (let unit = 0, at = 0; unit < view.length; unit++, at += width) {
    let value = 0;
    for (let b = 0; b < width; b++) value = value * 256 + buf[bigEndian ? at + b : at + width - 1 - b];
    view[unit] = value < 0x80 ? value : 0x80;
  }
  return view;
}

function hasBigEndianBom(buf: Buffer, width: number): boolean {
  return width === 2 ? buf[0] === 0xfe && buf[1] === 0xff : buf[0] === 0 && buf[1] === 0 && buf[2] === 0xfe;
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
  /** Set on @ReadsOwnBody routes when they are registered: the parser readRawBody uses, and its limit. */
  ownBodyParser?: Parser;
  ownBodyLimit?: number;
}

/** Marks an operation that takes no request body (e.g. a POST that only triggers work): none is read. */
export const TakesNoBody = (): MethodDecorator => WithRouteConfig({ takesNoBody: true } satisfies BodyRouteConfig);

/**
 * Marks an operation that reads its body itself with readRawBody (the exact bytes, any content type,
 * up to BodyLimits.ownBodyBytes), once it knows the request has somewhere to go. A request that matches no
 * route under the same path (up to its first parameter) has its body read the same way.
 */
export const ReadsOwnBody = (): MethodDecorator => WithRouteConfig({ readsOwnBody: true } satisfies BodyRouteConfig);

/** The media types an operation's body may have, when not JSON only (the login also takes the OAuth2 form). */
export const AcceptsMediaTypes = (...mediaTypes: string[]): MethodDecorator =>
  WithRouteConfig({ mediaTypes } satisfies BodyRouteConfig);

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
  const jsonParser = json({ limit: limits.jsonBytes, inflate: false, verify: checkJsonShape(limits) });
  const formParser = urlencoded({ extended: false, limit: limits.jsonBytes, inflate: false });
  // A route that reads its own body gets the exact bytes (a signature may cover them), whatever the content type.
  const rawParser = raw({ type: () => true, limit: limits.ownBodyBytes, inflate: false });

  /** JSON or the OAuth2 form (`application/x-www-form-urlencoded`); any other body is left unread. */
  const parseApiBody: BodyHook = (request, reply, done) => {
    if (METHODS_WITHOUT_BODY.has(request.method)) return done();
    if (declaresUnsupportedJsonCharset(request)) return finish(request, done, unsupportedCharset());
    const refused = holdForReading(request, limits.jsonBytes);
    if (refused) return done(refused);
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
    const refused = holdForReading(request, limits.ownBodyBytes);
    if (refused) return done(refused);
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
  const { ownBodyParser, ownBodyLimit } = request.routeOptions.config as BodyRouteConfig;
  if (!ownBodyParser) return Promise.reject(new Error('readRawBody: the route is not marked @ReadsOwnBody'));
  const refused = holdForReading(request, ownBodyLimit ?? 0);
  if (refused) return Promise.reject(refused);
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
      route.config = {
        ...route.config,
        ownBodyParser: rawParser,
        ownBodyLimit: limits.ownBodyBytes,
      } satisfies BodyRouteConfig;
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

/** A body being watched by BodyReadWatch. */
interface WatchedBody {
  raw: IncomingMessage;
  startedAt: number;
  startBytes: number;
  /** The announced Content-Length; undefined when chunked. */
  announced: number | undefined;
}

/**
 * Drops the connection of a request whose body arrives too slowly: not whole within `timeoutMs` of its
 * headers, or below `minBytesPerSecond` on average once `graceMs` have passed. Whatever the request
 * held is freed with it (its memory reservation and, on the webhook receiver, its large-body slot: the
 * read fails and the response closes). Counted from the socket's bytes, whether or not the body is
 * being read yet (the webhook receiver reads it after its own checks). Requests without a body are not
 * watched. One timer checks every body being read (a timer per request would cost every request with
 * a body its creation and removal); it runs only while some body is being read.
 */
export class BodyReadWatch {
  private readonly watched = new Set<WatchedBody>();
  private readonly everyMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly limits: BodyReadLimits) {
    this.everyMs = Math.max(50, Math.min(1000, Math.floor(Math.min(limits.graceMs, limits.timeoutMs) / 4)));
  }

  watch(raw: IncomingMessage): void {
    const header = raw.headers['content-length'];
    const announced = raw.headers['transfer-encoding'] ? undefined : header === undefined ? 0 : Number(header);
    if (announced === 0 || METHODS_WITHOUT_BODY.has(raw.method ?? '')) return;
    this.watched.add({ raw, startedAt: Date.now(), startBytes: raw.socket.bytesRead, announced });
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), this.everyMs);
    this.timer.unref();
  }

  private sweep(): void {
    const now = Date.now();
    for (const body of this.watched) if (this.isSettled(body, now)) this.watched.delete(body);
    if (this.watched.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** True when the body needs no more watching: arrived, gone, or too slow (its connection is dropped). */
  private isSettled({ raw, startedAt, startBytes, announced }: WatchedBody, now: number): boolean {
    const socket = raw.socket;
    if (raw.complete || socket.destroyed) return true;
    const received = socket.bytesRead - startBytes;
    if (announced !== undefined && Number.isFinite(announced) && received >= announced) return true;
    const elapsed = now - startedAt;
    const tooSlow = elapsed >= this.limits.graceMs && (received * 1000) / elapsed < this.limits.minBytesPerSecond;
    if (elapsed < this.limits.timeoutMs && !tooSlow) return false;
    socket.destroy();
    return true;
  }
}
