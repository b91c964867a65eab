/**
 * Mutation testing of the domain and of the request schemas (`npm run test:mutation`; README,
 * Tests): the schemas decide what a client may send, so they stay under it wherever HTTP parsing
 * lives. Only the unit tests run: the e2e, integration and fuzz suites need a local stack, and
 * the benchmark's and the bundler's unit tests exercise no rule, yet would load for most mutants.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  // token-store.ts and views.ts hold only types.
  mutate: [
    'lambdas/domain/**/*.ts',
    '!lambdas/domain/token-store.ts',
    '!lambdas/domain/views.ts',
    'lambdas/http/input.ts',
  ],
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    config: {
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '<rootDir>/test/unit/bench.test.ts',
        '<rootDir>/test/unit/first-party-source-map.test.ts',
      ],
    },
  },
  coverageAnalysis: 'perTest',
  ignorePatterns: ['cdk.out', '.local', '.cognito', 'console/dist', 'coverage', 'reports'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 95, low: 90, break: 90 },
};
