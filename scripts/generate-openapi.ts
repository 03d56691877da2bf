import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildOpenApiDocument, createApp } from '../src/app.setup';
import { loadConfig } from '../src/config/app-config';

/**
 * `npm run openapi`: writes openapi/openapi.json and openapi/openapi.yaml from the decorators.
 * The app is built with `preview: true`, so no provider (and no database connection) is created;
 * the placeholder secrets and the closed-port DATABASE_URL only satisfy the configuration check.
 */
async function main(): Promise<void> {
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'openapi-generation-placeholder',
    ENCRYPTION_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`,
    DATABASE_URL: 'postgres://openapi@127.0.0.1:1/none',
    PUBLIC_BASE_URL: 'http://localhost:3000',
  });
  const app = await createApp(config, { preview: true, logger: ['error'] });
  const document = buildOpenApiDocument(app);
  await app.close();
  const outDir = join(__dirname, '..', 'openapi');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'openapi.json'), `${JSON.stringify(document, null, 2)}\n`);
  writeFileSync(join(outDir, 'openapi.yaml'), stringify(document, { aliasDuplicateObjects: false }));
  console.log(`Wrote ${Object.keys(document.paths).length} paths to openapi/openapi.json and openapi/openapi.yaml`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
