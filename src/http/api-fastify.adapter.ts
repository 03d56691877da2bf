import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { maxHeaderSize } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import { type PathParameterNames, toErrorResponse, undecodableParamResponse } from './api-exception.filter';
import { requestIdOf } from './request-context';
import { type BodyHook, type BodyLimits, installBodyParsing } from './request-body';

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
 * `onBeforeFrameworkError` adds the headers every response carries to the bad-path answer, which
 * Fastify sends without running any hook.
 */
export interface ApiFastifyAdapterOptions {
  bodyLimits: BodyLimits;
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
    });
    this.unroutedBody = installBodyParsing(this.getInstance(), options.bodyLimits);
  }

  override setNotFoundHandler(handler: RouteHandlerMethod): ReturnType<FastifyAdapter['setNotFoundHandler']> {
    return this.getInstance().setNotFoundHandler({ preValidation: this.unroutedBody }, handler);
  }
}
