// One suite, every backend: suites are data, and test/<backend>/*.test.ts install them.
// CPython: install_tests_in_module_dict in Lib/test/_test_multiprocessing.py.
import { after, describe, it, type TestContext } from 'node:test';
import type { BackendKind, Context } from 'multiprocessing-ts';
import { getContext } from 'multiprocessing-ts';
import { assertNoLeaks } from './leaks.js';
import { SHORT } from './timeouts.js';

export interface SuiteContext {
  readonly backend: BackendKind;
  readonly ctx: Context;
}

export interface TestOptions {
  timeout?: number;
  /** Run only on these backends; `reason` says why the others cannot run it. */
  only?: { backends: BackendKind[]; reason: string };
}

export type TestFn = (name: string, fn: (t: TestContext) => Promise<void> | void, options?: TestOptions) => void;

export interface Suite {
  readonly area: string;
  readonly backends: readonly BackendKind[];
  readonly body: (s: SuiteContext, test: TestFn) => void;
}

export function defineSuite(meta: { area: string; backends: BackendKind[] }, body: Suite['body']): Suite {
  return { ...meta, body };
}

export function runSuite(suite: Suite, backend: BackendKind): void {
  if (!suite.backends.includes(backend)) throw new Error(`Suite ${suite.area} does not run on ${backend}`);
  describe(`${backend}: ${suite.area}`, () => {
    after(assertNoLeaks);
    const test: TestFn = (name, fn, options = {}) => {
      const skip = options.only !== undefined && !options.only.backends.includes(backend) ? options.only.reason : false;
      it(name, { timeout: options.timeout ?? SHORT, skip }, fn);
    };
    suite.body({ backend, ctx: getContext(backend) }, test);
  });
}
