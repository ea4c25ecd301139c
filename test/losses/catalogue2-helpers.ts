/** Helpers shared by the loss catalogue II tests (ranking, multilabel, embedding, ctc, segmentation). */
import { expect } from 'vitest';
import { LosskitError } from '../../src/index.js';

/** Asserts that `f()` throws a LosskitError with this code and a message containing every part. */
export function expectLosskitError(f: () => unknown, code: string, ...parts: string[]): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) expect.fail(`expected a LosskitError ${code}, but nothing was thrown`);
  expect(thrown).toBeInstanceOf(LosskitError);
  const err = thrown as LosskitError;
  expect(err.code, err.message).toBe(code);
  for (const p of parts) expect(err.message).toContain(p);
}
