// Asserting mwan's errors in tests: an `assert.rejects`/`assert.throws` validator for an MwanError's code and message.
import assert from 'node:assert/strict';
import { MwanError } from '../../core/errors.ts';

/** A validator passing when the error is an MwanError with `code` and a message matching every pattern. */
export function expectCode(code: string, ...patterns: RegExp[]) {
  return (error: unknown): true => {
    assert.ok(error instanceof MwanError, String(error));
    assert.equal(error.code, code);
    for (const p of patterns) assert.match(error.message, p);
    return true;
  };
}
