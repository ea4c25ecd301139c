import { expect } from 'vitest';
import { LosskitError } from '../../src/index.js';

/** Expects `f` to throw a LosskitError with `code` whose message contains every one of `parts`. */
export function expectError(f: () => unknown, code: string, ...parts: string[]): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a LosskitError').toBeInstanceOf(LosskitError);
  const le = err as LosskitError;
  expect(le.code).toBe(code);
  for (const p of parts) expect(le.message).toContain(p);
}
