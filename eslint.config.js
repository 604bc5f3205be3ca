import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'packages/*/dist', 'data', 'keys', 'tmp', 'coverage', 'src/store/generated'] },
  js.configs.recommended,
  // Type-aware rules (promises, unsafe `any`, …): typescript-eslint's project service finds each
  // file's tsconfig.json, so lint sees the types `npm run typecheck` sees.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': ['error', { allow: ['error', 'warn', 'log'] }],
    },
  },
  {
    // Plain JavaScript (the CLI launcher, this file, scripts, benchmark peers, the browser
    // example): in no tsconfig, so without type information; the syntax rules still apply.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // examples/spa: plain browser modules, no build step.
    files: ['examples/spa/**/*.js'],
    languageOptions: {
      globals: { document: 'readonly', fetch: 'readonly', FormData: 'readonly', Response: 'readonly', URL: 'readonly' },
    },
  },
  {
    // Tests read supertest's `res.body`, which is `any` by design (it is whatever the server
    // sent), hundreds of times; casting each read would add noise and no safety. The safety
    // is elsewhere: every response a harness agent receives is validated against the OpenAPI
    // description (test/support/openapi.ts), and the assertions check the values. So in test/
    // only, the no-unsafe-* rules about flowing `any` are off; every other type-checked rule
    // (floating promises, misused promises, …) stays on here as everywhere.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: { 'no-console': 'error' },
  },
);
