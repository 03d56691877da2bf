// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, bottom up (docs/architecture.md, "Layers"). A folder may import its own layer
 * and the layers below it, never one above; folders of one layer may import each other. The
 * composition root (src/app.*, main.ts, main.dev.ts, bootstrap.ts) sits above them all and is imported
 * by none. A new feature folder goes into the features layer (the last one).
 */
export const LAYERS = [
  ['common'],
  ['config'],
  ['stripe'],
  ['database', 'logging', 'http'],
  ['credentials'],
  ['rate-limit'],
  ['openapi'],
  ['users'],
  ['auth'],
  ['projects'],
  ['stripe-config', 'stripe-webhooks', 'stripe-health', 'audit', 'health', 'payments', 'payments-sync'],
];

/** The composition root's files, directly in src/. */
const ROOT_FILES = ['app', 'main', 'bootstrap'];

/**
 * A relative import that climbs to src/ and names one of `folders` (`../auth/x`, `../../auth`), or a
 * root file (`../app.module`). Imports inside src/ are relative, so the import text names the folder.
 */
const importOf = (folders) => `^(?:\\.\\./)+(?:${folders.join('|')})(?:/|$)`;
const ROOT_IMPORT = `^(?:\\.\\./)+(?:${ROOT_FILES.join('|')})(?:\\.[\\w.-]+)?$`;

/** One override per folder: the folders above its layer, and the root, are off limits. */
const layerRules = LAYERS.flatMap((layer, index) => {
  const above = LAYERS.slice(index + 1).flat();
  const patterns = [
    {
      regex: ROOT_IMPORT,
      message: 'The composition root (src/app.*, main, bootstrap) imports the layers, never the reverse.',
    },
  ];
  if (above.length > 0) {
    patterns.unshift({
      regex: importOf(above),
      message: `src/${layer.join(', src/')} may import only its own layer and those below it (docs/architecture.md, "Layers"); hand what it needs in from the composition root or the feature.`,
    });
  }
  return layer.map((folder) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  }));
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.data/', 'test/generated/', 'openapi/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*'],
    rules: { 'no-console': 'off' },
  },
  ...layerRules,
);
