import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { maxHeaderSize, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { parse as parseQueryString } from 'node:querystring';
import { type PathParameterNames, toErrorResponse, undecodableParamResponse } from './api-exception.filter';
import { requestIdOf } from './request-context';
import { type BodyHook, type BodyLimits, type BodyReadLimits, BodyReadWatch, installBodyParsing } from './request-body';
import { MemoryBudget, trackRequestMemory } from './memory-budget';

/** The `{"detail"}` answer written straight to a connection: no request exists to answer through. */
function rawErrorResponse(status: number, detail: string): string {
  const body = JSON.stringify({ detail });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`
  );
}

/**
 * Requests Node's HTTP parser refuses before there is a request (a malformed request line or header,
 * headers over the size limit, a request not received in time) get the `{"detail"}` body of every
 * other error; Fastify's default handler would write its own `{"error","message","statusCode"}`.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection has no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, `Request headers too large (at most ${maxHeaderSize} bytes)`]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request was not received in time']
        : [400, 'Malformed HTTP request'];
  if (socket.writable) socket.write(rawErrorResponse(status, detail));
  socket.destroy(error);
}

/**
 * Nest's Fastify adapter, configured so that the wire behaviour is Express-compatible (what the
 * reference API's clients and the tests rely on):
 * - routing ignores case and a trailing slash, and takes path parameters of any length (a long
 *   malformed id is a 422 from the ownership guard, not a 404);
 * - the query string is parsed by node:querystring (`a=1&a=2` is an array, no nesting);
 * - the request id is `X-Request-Id` when acceptable (see request-context.ts), shared with the logs;
 * - `request.ip` is the peer address unless TRUST_PROXY names the proxies in front (then the client's);
 * - a path that is not valid percent-encoding is a 422 naming the parameter (see `undecodableParamResponse`
 *   and `pathParameters`), not Fastify's 400;
 * - bodies are read by body-parser, on the routes that take one (see
 *   request-body.ts); a request that matches no route still has its body read (a body error wins
 *   over the 404).
 * - what Node's HTTP layer would answer by itself answers `{"detail"}` like every other error: a
 *   request it cannot parse (`answerClientError`), an HTTP/1.1 request without a Host header (400),
 *   an `Expect` other than `100-continue` (417).
 * `onBeforeFrameworkError` adds the headers every response carries to the bad-path answer, which
 * Fastify sends without running any hook.
 */
export interface ApiFastifyAdapterOptions {
  bodyLimits: BodyLimits;
  /** How long and how slowly a body may arrive (see BodyReadWatch); unset: no limit. */
  bodyReadLimits?: BodyReadLimits;
  /** Bytes requests may hold at once for bodies and stored events (see memory-budget.ts); unset: no budget. */
  memoryBudgetBytes?: number;
  onBeforeFrameworkError?: (request: FastifyRequest, reply: FastifyReply) => void;
  trustProxy?: boolean | number | string[];
  /** The features' path parameters, to name one in the 422 of an undecodable path. */
  pathParameters?: PathParameterNames;
}

export class ApiFastifyAdapter extends FastifyAdapter {
  private readonly unroutedBody: BodyHook;

  constructor(options: ApiFastifyAdapterOptions) {
    const { onBeforeFrameworkError = () => undefined, trustProxy = false, pathParameters = {} } = options;
    super({
      routerOptions: {
        caseSensitive: false,
        ignoreTrailingSlash: true,
        maxParamLength: maxHeaderSize,
        querystringParser: (query) => parseQueryString(query),
      },
      genReqId: requestIdOf,
      requestIdHeader: false,
      trustProxy,
      frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
        onBeforeFrameworkError(request, reply);
        const { status, body } =
          error.code === 'FST_ERR_BAD_URL'
            ? undecodableParamResponse(request.url, pathParameters)
            : toErrorResponse(error, request.url);
        void reply.status(status).send(body);
      },
      clientErrorHandler: answerClientError,
      // Node would answer a missing Host with an empty 400; the hook below answers it with a body.
      http: { requireHostHeader: false },
    });
    const fastify = this.getInstance();
    const memoryBudget = options.memoryBudgetBytes ? new MemoryBudget(options.memoryBudgetBytes) : undefined;
    const bodyReads = options.bodyReadLimits ? new BodyReadWatch(options.bodyReadLimits) : undefined;
    // One hook for what every request needs on arrival (each hook costs every request its own call).
    fastify.addHook('onRequest', (request, reply, done) => {
      const raw = request.raw;
      if (raw.httpVersion === '1.1' && !raw.headers.host) {
        onBeforeFrameworkError(request, reply);
        void reply.status(400).send({ detail: 'An HTTP/1.1 request needs a Host header' });
        return;
      }
      if (memoryBudget) trackRequestMemory(raw, reply.raw, memoryBudget);
      bodyReads?.watch(raw);
      done();
    });
    // Without a listener Node answers an unknown expectation with an empty 417.
    fastify.server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
      const body = JSON.stringify({ detail: 'Only the expectation 100-continue is supported' });
      response.writeHead(417, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'X-Content-Type-Options': 'nosniff',
        Connection: 'close',
      });
      response.end(body);
    });
    this.unroutedBody = installBodyParsing(fastify, options.bodyLimits);
  }

  override setNotFoundHandler(handler: RouteHandlerMethod): ReturnType<FastifyAdapter['setNotFoundHandler']> {
    return this.getInstance().setNotFoundHandler({ preValidation: this.unroutedBody }, handler);
  }
}
