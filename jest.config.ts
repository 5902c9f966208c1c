import { availableParallelism } from 'node:os';
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    // Type-checking is done once for the whole project by `tsc` in `npm test`; with
    // `isolatedModules` in tsconfig.json ts-jest only transpiles, which keeps the suite fast.
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  // Sources import with explicit `.js` extensions (required by Node's ESM resolver).
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // Docs examples import the package by name, as users do.
    '^rx-task-status$': '<rootDir>/src/index.ts',
    '^rx-task-status/testing$': '<rootDir>/src/testing/index.ts',
    '^rx-task-status/provider$': '<rootDir>/src/provider.ts',
    '^rx-task-status/redis$': '<rootDir>/src/redis/index.ts',
    '^rx-task-status/hub$': '<rootDir>/src/hub/index.ts',
  },
  testTimeout: 30_000,
  // Jest's default (one worker fewer than the cores) is one worker on a 2-core machine, and much of the suite
  // waits on real time (servers, processes, Redis, Chromium) rather than the CPU: two workers there keep
  // `npm test` well under five minutes, and every time-based assertion is made to hold with both cores busy.
  maxWorkers: Math.max(2, availableParallelism() - 1),
};

export default config;
