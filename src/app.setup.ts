import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, raw, urlencoded, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import { toErrorResponse } from './common/filters/api-exception.filter';
import { JsonNullExpressAdapter } from './common/http/json-null-express.adapter';
import { REQUEST_ID_HEADER, requestIdMiddleware } from './common/logging/request-id';
import type { AppConfig } from './config/app-config';
import { finalizeOpenApiDocument } from './openapi/finalize-document';

/** Largest request body accepted; larger ones get 413 `{"detail"}`. */
export const BODY_LIMIT = '64kb';
/** Stripe's deliveries are kept as raw bytes (their signature covers them) and may be larger. */
export const WEBHOOK_PATH = '/api/v1/payments/stripe/webhooks';
export const WEBHOOK_BODY_LIMIT = '1mb';

const METHODS_WITHOUT_BODY = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

function onlyWithBody(parser: RequestHandler): RequestHandler {
  return (req, res, next) => (METHODS_WITHOUT_BODY.has(req.method) ? next() : parser(req, res, next));
}

/**
 * Express-level wiring shared by main.ts, the e2e tests and the OpenAPI script. Nest's own body
 * parser is off (see createApp) so that parse errors can be shaped like every other error.
 */
export function configureApp(app: NestExpressApplication, config?: Pick<AppConfig, 'corsOrigins'>): void {
  app.disable('x-powered-by');
  // No automatic body-hash ETags: the ETags we send are resource versions (see common/http/etag.ts).
  app.set('etag', false);
  app.set('query parser', 'simple');
  // Before anything that can answer: every response, even a body-parser error, carries X-Request-Id.
  app.use(requestIdMiddleware);
  // Security headers. Swagger UI (/docs) needs inline styles and data: images; nothing else is HTML.
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: { 'img-src': ["'self'", 'data:'], 'style-src': ["'self'", "'unsafe-inline'"] },
      },
    }),
  );
  // CORS is off unless CORS_ORIGINS lists origins; then only those get Access-Control-* headers.
  if (config?.corsOrigins.length) {
    app.enableCors({
      origin: config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', REQUEST_ID_HEADER],
      exposedHeaders: [REQUEST_ID_HEADER, 'Retry-After'],
      maxAge: 600,
    });
  }
  // The webhook receiver verifies Stripe's signature over the exact bytes: keep them, whatever the
  // content type (a body read here is not read again by the parsers below).
  app.use(
    WEBHOOK_PATH,
    raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT, inflate: false }),
    (req: Request, _res: Response, next: NextFunction) => {
      const rawReq = req as Request & { rawBody?: Buffer };
      rawReq.rawBody = Buffer.isBuffer(req.body) ? req.body : undefined;
      next();
    },
  );
  // Bodies are read only where an operation takes one: a body sent with GET/DELETE is ignored.
  // Compressed bodies are refused (415) rather than inflated.
  app.use(onlyWithBody(json({ limit: BODY_LIMIT, inflate: false })));
  app.use(onlyWithBody(urlencoded({ extended: false, limit: BODY_LIMIT, inflate: false })));
  // Errors of the body parsers (invalid JSON, too large) happen before Nest's filters can see them.
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const { status, body } = toErrorResponse(error, req.originalUrl);
    res.status(status).json(body);
  });
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
): Promise<NestExpressApplication> {
  const usePino = options.logger === undefined && !options.preview;
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, { logDestination: options.logDestination, throttlerStorage: options.throttlerStorage }),
    new JsonNullExpressAdapter(),
    {
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
