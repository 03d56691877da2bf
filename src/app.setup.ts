import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, urlencoded, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AppModule } from './app.module';
import { toErrorResponse } from './common/filters/api-exception.filter';
import { JsonNullExpressAdapter } from './common/http/json-null-express.adapter';
import type { AppConfig } from './config/app-config';

/** Largest request body accepted; larger ones get 413 `{"detail"}`. */
export const BODY_LIMIT = '64kb';

const METHODS_WITHOUT_BODY = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

function onlyWithBody(parser: RequestHandler): RequestHandler {
  return (req, res, next) => (METHODS_WITHOUT_BODY.has(req.method) ? next() : parser(req, res, next));
}

/**
 * Express-level wiring shared by main.ts, the e2e tests and the OpenAPI script. Nest's own body
 * parser is off (see createApp) so that parse errors can be shaped like every other error.
 */
export function configureApp(app: NestExpressApplication): void {
  app.disable('x-powered-by');
  // No automatic body-hash ETags: the ETags we send are resource versions (see common/http/etag.ts).
  app.set('etag', false);
  app.set('query parser', 'simple');
  // Bodies are read only where an operation takes one: a body sent with GET/DELETE is ignored.
  // Compressed bodies are refused (415) rather than inflated.
  app.use(onlyWithBody(json({ limit: BODY_LIMIT, inflate: false })));
  app.use(onlyWithBody(urlencoded({ extended: false, limit: BODY_LIMIT, inflate: false })));
  // Errors of the body parsers (invalid JSON, too large) happen before Nest's filters can see them.
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const { status, body } = toErrorResponse(error);
    res.status(status).json(body);
  });
  app.enableShutdownHooks();
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Stripe Configuration Service')
    .setDescription(
      'Store, check and manage the Stripe credentials of each of your projects. Credentials are encrypted at rest and only ever returned masked (`sk_test_...aBcD`).',
    )
    .setVersion('0.1.0')
    .addOAuth2(
      { type: 'oauth2', flows: { password: { tokenUrl: '/api/v1/auth/login', scopes: {} } } },
      'OAuth2PasswordBearer',
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'HTTPBearer')
    .build();
  return SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey: string, methodKey: string) => methodKey,
  });
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
 */
export async function createApp(
  config: AppConfig,
  options: { logger?: NestApplicationOptions['logger']; preview?: boolean } = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config),
    new JsonNullExpressAdapter(),
    {
      bodyParser: false,
      logger: options.logger,
      preview: options.preview,
      abortOnError: false,
    },
  );
  configureApp(app);
  setupSwagger(app);
  return app;
}
