import type { OpenAPIObject } from '@nestjs/swagger';
import { createApp } from './app.setup';
import { buildOpenApiDocument } from './app.swagger';
import { loadConfig } from './app.config';

/**
 * The spec as the code declares it, built without a database: `preview: true` creates no provider
 * (so TypeORM never connects); the placeholder secrets and the closed-port DATABASE_URL only satisfy
 * the configuration check. Used by `npm run openapi` and by the test that compares it with the
 * committed file.
 */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'openapi-generation-placeholder',
    ENCRYPTION_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`,
    DATABASE_URL: 'postgres://openapi@127.0.0.1:1/none',
    PUBLIC_BASE_URL: 'http://localhost:3000',
  });
  const app = await createApp(config, { preview: true, logger: ['error'] });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}
