import type { NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule, type AppModuleOptions } from './app.module';
import type { AppConfig } from './app.config';
import { HttpWireModule } from './http/http-wire.module';
import { LoggingModule } from './logging/logging.module';
import { verifiedSubjectReader } from './auth/token-subject';
import { installDeveloperLimits } from './rate-limit/developer-limits';
import { setupSwagger } from './app.swagger';
import type { PathParameterNames } from './http/api-exception.filter';
import { PROJECT_PATH_PARAMETERS } from './projects/projects.controller';
import { WEBHOOK_CLEANUP_HEADER } from './stripe-config/stripe-config.controller';
import { WEBHOOK_RECEIVER_PATH_PARAMETERS } from './stripe-webhooks/stripe-webhooks.controller';

/** The features' path parameters, named in the 422 of a path that cannot be decoded. */
const PATH_PARAMETERS: PathParameterNames = { ...PROJECT_PATH_PARAMETERS, ...WEBHOOK_RECEIVER_PATH_PARAMETERS };

/** The features' own response headers, readable by a browser under CORS. */
const EXPOSED_HEADERS = [WEBHOOK_CLEANUP_HEADER];

/**
 * Builds the service exactly as it runs: main.ts, the e2e tests and the OpenAPI script all start here.
 * `preview: true` builds the module graph without connecting to the database (OpenAPI generation).
 * Without an explicit `logger`, Nest's own logs and one line per request go through pino (structured
 * JSON, see LoggingModule).
 */
export async function createApp(
  config: AppConfig,
  options: { logger?: NestApplicationOptions['logger']; preview?: boolean } & AppModuleOptions = {},
): Promise<NestFastifyApplication> {
  const usePino = options.logger === undefined && !options.preview;
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, { logDestination: options.logDestination, throttlerStorage: options.throttlerStorage }),
    HttpWireModule.createAdapter(config.http, { pathParameters: PATH_PARAMETERS }),
    {
      // Bodies are read by the adapter (src/http/request-body.ts), the same way for every route.
      bodyParser: false,
      logger: options.logger,
      bufferLogs: usePino,
      preview: options.preview,
      abortOnError: false,
    },
  );
  if (usePino) LoggingModule.install(app);
  // Before the spec is built: the API prefix is part of every path in it.
  HttpWireModule.configure(app, config.http, { exposedHeaders: EXPOSED_HEADERS });
  // Before the routes are registered (app.init): writes, listings and event reads are counted per
  // developer when they arrive, the developer read from a verified bearer token.
  installDeveloperLimits(app.getHttpAdapter().getInstance(), {
    limits: config.rateLimits.developer,
    subjectOf: verifiedSubjectReader(config.auth),
    bodyLimitBytes: config.http.bodyLimits.jsonBytes,
  });
  setupSwagger(app);
  return app;
}
