import { Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { HttpConfig } from './http.config';
import { ApiExceptionFilter, type PathParameterNames } from './api-exception.filter';
import { ApiFastifyAdapter } from './api-fastify.adapter';
import { API_PREFIX } from '../common/api-prefix';
import { ApiValidationPipe } from './api-validation.pipe';
import { MaskingInterceptor } from './masking.interceptor';
import { REQUEST_ID_HEADER } from './request-context';
import { computeSecurityHeaders } from './security-headers';

const securityHeaders = computeSecurityHeaders();

/**
 * The headers of every response, errors included: `X-Request-Id` (the id Fastify assigned, see
 * ApiFastifyAdapter) and the security headers. Set on the Node.js response, so that whatever sends
 * the response (Fastify, Nest's exception layer, a middleware) keeps them.
 */
function setCommonHeaders(request: FastifyRequest, reply: FastifyReply): void {
  const res = reply.raw as ServerResponse;
  res.setHeader(REQUEST_ID_HEADER, request.id);
  for (const [name, value] of securityHeaders) res.setHeader(name, value);
}

/**
 * The HTTP wire layer: how requests are read and answers written, the same for every feature.
 * - the Fastify adapter (Express-compatible routing, request id, body parsing and its 413/415/422,
 *   see ApiFastifyAdapter and request-body.ts): `HttpWireModule.createAdapter`;
 * - the API prefix, the common headers (X-Request-Id, security headers) and CORS: `HttpWireModule.configure`;
 * - the global validation pipe (422 list), exception filter (`{"detail"}`, 503 + Retry-After) and
 *   masking interceptor: this module's providers.
 * Features use its building blocks directly: error types and DTOs, ETag / If-Match, the request
 * context, @ApiErrorResponses, pagination, the body decorators (@TakesNoBody, @ReadsOwnBody, @AcceptsMediaTypes).
 */
@Module({
  providers: [
    { provide: APP_PIPE, useClass: ApiValidationPipe },
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
    { provide: APP_INTERCEPTOR, useClass: MaskingInterceptor },
  ],
})
export class HttpWireModule {
  /**
   * The Fastify adapter the app is created with (before the module graph exists). `pathParameters`:
   * the features' path parameters (see PathParameterNames), handed in by the composition root.
   */
  static createAdapter(
    config: Pick<HttpConfig, 'trustProxy' | 'bodyLimits' | 'bodyReadLimits' | 'memoryBudgetBytes'>,
    features: { pathParameters?: PathParameterNames } = {},
  ): ApiFastifyAdapter {
    const { trustProxy } = config;
    return new ApiFastifyAdapter({
      bodyLimits: config.bodyLimits,
      bodyReadLimits: config.bodyReadLimits,
      memoryBudgetBytes: config.memoryBudgetBytes,
      onBeforeFrameworkError: setCommonHeaders,
      // Fastify takes a mutable list of proxies: a copy of the frozen one.
      trustProxy: typeof trustProxy === 'object' ? [...trustProxy] : trustProxy,
      pathParameters: features.pathParameters,
    });
  }

  /**
   * Fastify-level wiring, once at start-up (before the routes are registered and the spec is built);
   * per request it adds one hook (the common headers) and, on the routes that take a body, the body
   * parser (see request-body.ts). `exposedHeaders`: the features' own response headers a browser
   * may read under CORS, handed in by the composition root.
   */
  static configure(
    app: NestFastifyApplication,
    config?: Pick<HttpConfig, 'corsOrigins'>,
    features: { exposedHeaders?: readonly string[] } = {},
  ): void {
    // Every controller's path is below /api/v1; nothing is excluded (Swagger UI and the served spec
    // are not Nest routes: /docs, /openapi.json and /openapi.yaml stay where they are).
    app.setGlobalPrefix(API_PREFIX);
    const adapter = app.getHttpAdapter() as ApiFastifyAdapter;
    // The first hook of every request, before CORS and the request logger: every response, even a
    // body-parser error, carries X-Request-Id and the security headers. (Fastify sends no X-Powered-By
    // and no automatic ETag: the ETags we send are resource versions, see etag.ts.)
    adapter.setOnRequestHook((request, reply, done) => {
      setCommonHeaders(request, reply);
      done();
    });
    // CORS is off unless CORS_ORIGINS lists origins; then only those get Access-Control-* headers.
    if (config?.corsOrigins.length) {
      app.enableCors({
        origin: [...config.corsOrigins],
        // Lists joined here with ',' (@fastify/cors would join arrays with ', ').
        methods: 'GET,POST,PUT,DELETE',
        // If-Match / ETag: a browser UI must be able to send the one and read the other (optimistic concurrency).
        allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', REQUEST_ID_HEADER].join(','),
        exposedHeaders: [REQUEST_ID_HEADER, 'Retry-After', 'ETag', ...(features.exposedHeaders ?? [])].join(','),
        maxAge: 600,
        // Any OPTIONS is answered as a preflight, Origin or not (Express-compatible).
        strictPreflight: false,
      });
    }
    // No app.enableShutdownHooks(): main.ts drains in-flight requests itself on SIGTERM/SIGINT
    // (graceful-shutdown.ts) and then exits 0.
  }
}
