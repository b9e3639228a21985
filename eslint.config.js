// Type-aware lint rules that catch what tsc does not: a promise nobody awaits or handles, a
// promise passed where a plain callback is expected, an await of something that is not a promise,
// a cast that changes nothing.
// Formatting is Prettier's job (npm run format), so no style rules here.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tmp/', 'coverage/', 'completions/'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
    },
  },
  {
    // Start-up cost: the first toLocaleString loads ICU's number formats (~15 ms), and one in the
    // settings table made every `events --help` pay it.
    files: ['src/**/*.ts'],
    ignores: ['src/emulator/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='toLocaleString']",
          message: 'Use groupDigits (src/lib/digits.ts): toLocaleString loads ICU at its first call (~15 ms).',
        },
      ],
    },
  },
);
