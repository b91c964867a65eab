/**
 * ts-jest compiles to CommonJS for Jest; tsconfig.json (module "preserve", moduleResolution
 * "bundler") is for `tsc --noEmit` type-checking only, which `npm test` runs first, hence
 * diagnostics off here.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The console's browser tests need Chromium: `npm run test:browser`.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/browser/'],
  transform: {
    '^.+\\.[tj]s$': [
      'ts-jest',
      {
        tsconfig: {
          allowJs: true,
          module: 'commonjs',
          moduleResolution: 'node10',
          esModuleInterop: true,
          isolatedModules: true,
        },
        diagnostics: false,
      },
    ],
  },
  // @middy/core 6 and jose 6 ship ESM only, so Jest must transform them too.
  transformIgnorePatterns: ['/node_modules/(?!(@middy|jose)/)'],
  // Synth output and local state hold copies of the sources; keep them out of module lookup.
  modulePathIgnorePatterns: ['<rootDir>/cdk.out/', '<rootDir>/.local/'],
  // CDK tests bundle every function with esbuild when they synthesize.
  testTimeout: 60000,
};
