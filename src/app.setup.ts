import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import { ApiFastifyAdapter } from './common/http/api-fastify.adapter';
import { installBodyParsing } from './common/http/request-body';
import { REQUEST_ID_HEADER } from './common/logging/request-id';
import type { AppConfig } from './config/app-config';
import { finalizeOpenApiDocument } from './openapi/finalize-document';

// Security headers. Swagger UI (/docs) needs inline styles and data: images; nothing else is HTML.
const securityHeaders = helmet({
  contentSecurityPolicy: {
    directives: {
      'img-src': ["'self'", 'data:'],
      'style-src': ["'self'", "'unsafe-inline'"],
      // Served over plain HTTP (e.g. http://host:3000/docs), the upgrade would break Swagger UI's assets.
      'upgrade-insecure-requests': null,
    },
  },
});

/**
 * The headers of every response, errors included: `X-Request-Id` (the id Fastify assigned, see
 * ApiFastifyAdapter) and the security headers. Set on the Node.js response, so that whatever sends
 * the response (Fastify, Nest's exception layer, a middleware) keeps them.
 */
function setCommonHeaders(request: FastifyRequest, reply: FastifyReply): void {
  const res = reply.raw as ServerResponse;
  res.setHeader(REQUEST_ID_HEADER, request.id);
  securityHeaders(request.raw as IncomingMessage, res, () => undefined);
}

/**
 * Fastify-level wiring shared by main.ts, the e2e tests and the OpenAPI script. Everything here runs
 * once at start-up; per request it adds one hook (the common headers) and, on the routes that take a
 * body, the body parser (see common/http/request-body.ts).
 */
export function configureApp(app: NestFastifyApplication, config?: Pick<AppConfig, 'corsOrigins'>): void {
  const adapter = app.getHttpAdapter() as ApiFastifyAdapter;
  // The first hook of every request, before CORS and the request logger: every response, even a
  // body-parser error, carries X-Request-Id and the security headers. (Fastify sends no X-Powered-By
  // and no automatic ETag: the ETags we send are resource versions, see common/http/etag.ts.)
  adapter.setOnRequestHook((request, reply, done) => {
    setCommonHeaders(request, reply);
    done();
  });
  // CORS is off unless CORS_ORIGINS lists origins; then only those get Access-Control-* headers.
  if (config?.corsOrigins.length) {
    app.enableCors({
      origin: config.corsOrigins,
      // Lists joined here: @fastify/cors would join arrays with ', ', the `cors` middleware used ','.
      methods: 'GET,POST,PUT,DELETE',
      // If-Match / ETag: a browser UI must be able to send the one and read the other (optimistic concurrency).
      allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', REQUEST_ID_HEADER].join(','),
      exposedHeaders: [REQUEST_ID_HEADER, 'Retry-After', 'ETag', 'Stripe-Webhook-Endpoint-Cleanup'].join(','),
      maxAge: 600,
      // As the `cors` middleware did: any OPTIONS is answered as a preflight, Origin or not.
      strictPreflight: false,
    });
  }
  installBodyParsing(adapter.getInstance());
  // No app.enableShutdownHooks(): main.ts drains in-flight requests itself on SIGTERM/SIGINT
  // (src/common/lifecycle/graceful-shutdown.ts) and then exits 0.
}

/** The spec served at /openapi.json and committed as openapi/openapi.json (`npm run openapi`). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Stripe Configuration Service')
    .setDescription(
      'Store, check and manage the Stripe credentials of each of your projects. Credentials are encrypted at rest and only ever returned masked (`sk_test_...aBcD`).',
    )
    .setVersion('0.1.0')
    .addServer('/', 'This server')
    .addTag('Authentication', 'Developer accounts and bearer tokens')
    .addTag('Project Management', "The developer's projects")
    .addTag('Stripe Configuration', 'Stripe credentials of a project: stored encrypted, returned masked')
    .addTag('Stripe Webhooks', "Stripe's webhook deliveries to a project, and their setup in Stripe")
    .addTag('Stripe Integration Health', "What is wrong with a project's Stripe set-up, and why")
    .addTag('Health', 'Liveness and database readiness probes')
    .addOAuth2(
      { type: 'oauth2', flows: { password: { tokenUrl: '/api/v1/auth/login', scopes: {} } } },
      'OAuth2PasswordBearer',
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'HTTPBearer')
    .build();
  // DocumentBuilder always writes an empty `contact` and a license `url`; this service has neither.
  delete config.info.contact;
  config.info.license = { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' } as typeof config.info.license;
  return finalizeOpenApiDocument(
    SwaggerModule.createDocument(app, config, {
      operationIdFactory: (_controllerKey: string, methodKey: string) => methodKey,
    }),
  );
}

export function setupSwagger(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
    swaggerOptions: { persistAuthorization: true },
  });
}

/**
 * Builds the service exactly as it runs: main.ts, the e2e tests and the OpenAPI script all start here.
 * `preview: true` builds the module graph without connecting to the database (OpenAPI generation).
 * Without an explicit `logger`, Nest's own logs go through pino (structured JSON, see LoggingModule).
 */
export async function createApp(
  config: AppConfig,
  options: { logger?: NestApplicationOptions['logger']; preview?: boolean } & AppModuleOptions = {},
): Promise<NestFastifyApplication> {
  const usePino = options.logger === undefined && !options.preview;
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, { logDestination: options.logDestination, throttlerStorage: options.throttlerStorage }),
    new ApiFastifyAdapter(setCommonHeaders, config.trustProxy),
    {
      // Bodies are read by installBodyParsing (configureApp), the same way for every route.
      bodyParser: false,
      logger: options.logger,
      bufferLogs: usePino,
      preview: options.preview,
      abortOnError: false,
    },
  );
  if (usePino) {
    app.useLogger(app.get(PinoNestLogger));
    // Nest flushes its start-up buffer only on listen(); tests that only init() would lose it.
    app.flushLogs();
  }
  configureApp(app, config);
  setupSwagger(app);
  return app;
}
