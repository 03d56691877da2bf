// Proves the layer rule of eslint.config.mjs bites (run by `npm run lint`, so CI runs it): snippets
// that import upwards must be reported, snippets that import downwards or sideways must not, and
// every folder of src/ must have its place in LAYERS.
import { readdirSync } from 'node:fs';
import { ESLint } from 'eslint';
import { LAYERS } from '../eslint.config.mjs';

const CASES = [
  // [file the snippet is linted as, import, whether the layer rule must report it]
  ['src/http/x.ts', '../stripe-config/stripe-config.entity', true],
  ['src/http/x.ts', '../payments/x', true],
  ['src/http/x.ts', '../app.module', true],
  ['src/database/x.ts', '../../users/user.entity', true],
  ['src/config/x.ts', '../auth/auth.config', true],
  ['src/common/x.ts', '../config/config-area', true],
  ['src/logging/x.ts', '../rate-limit/x', true],
  ['src/credentials/x.ts', '../stripe-config/stripe-config.repository', true],
  ['src/openapi/x.ts', '../users/x', true],
  ['src/users/x.ts', '../auth/x', true],
  ['src/auth/dto/x.ts', '../../projects/x', true],
  ['src/stripe/x.ts', '../http/x', true],
  ['src/http/x.ts', '../common/api-prefix', false],
  ['src/http/x.ts', '../database/database-unavailable', false],
  ['src/projects/x.ts', '../auth/x', false],
  ['src/stripe-health/x.ts', '../stripe-webhooks/x', false],
  ['src/payments/x.ts', '../stripe/stripe-api.client', false],
  ['src/auth/x.ts', './dto/x', false],
];

const eslint = new ESLint();
let failures = 0;
for (const [filePath, source, mustReport] of CASES) {
  const [result] = await eslint.lintText(`import { x } from '${source}';\nexport const y = x;\n`, { filePath });
  const reported = result.messages.some((message) => message.ruleId === 'no-restricted-imports');
  if (reported !== mustReport) {
    failures++;
    console.error(`layer rule: ${filePath} importing '${source}' ${mustReport ? 'was not reported' : 'was reported'}`);
  }
}

const placed = new Set(LAYERS.flat());
for (const entry of readdirSync(new URL('../src', import.meta.url), { withFileTypes: true })) {
  if (entry.isDirectory() && !placed.has(entry.name)) {
    failures++;
    console.error(`layer rule: src/${entry.name}/ has no layer; add it to LAYERS in eslint.config.mjs`);
  }
}

if (failures > 0) process.exit(1);
console.log(`layer rule: ${CASES.length} import cases and every folder of src/ checked`);
