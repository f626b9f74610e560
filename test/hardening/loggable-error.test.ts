import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loggableError } from '../../src/main/errors.js';

describe('internal errors in the logs', () => {
  it('keep their kind, code and stack frames but never their message, which can name a patient', () => {
    let caught: unknown;
    try {
      readFileSync('/nonexistent/ZQX-PSEUDO-4417 face.jpg');
    } catch (err) {
      caught = err;
    }
    const line = loggableError(caught);
    expect(line).toMatch(/^Error ENOENT \(message withheld\)\n\s+at /);
    expect(line).not.toContain('ZQX-PSEUDO-4417');
    expect(loggableError('ZQX-PSEUDO-4417')).toBe('non-Error thrown (string)');
  });
});
