import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { generateOpenApiDocument } from '../src/app.openapi';

/** `npm run openapi`: writes openapi/openapi.json and openapi/openapi.yaml from the decorators. */
async function main(): Promise<void> {
  const document = await generateOpenApiDocument();
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
