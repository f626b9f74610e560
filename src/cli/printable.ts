/**
 * Text the command prints to a terminal: every value that came from outside (a photo's file name, a case
 * id, a label, a VCF sample, an error naming any of them) is shown with its control and BiDi characters
 * escaped. Raw, an ESC starts a terminal escape sequence (colours, cursor moves, a window title), a
 * newline forges an output line of its own, and U+202E turns the rest of a line around, so that
 * 'gpj.exe' reads as 'exe.jpg'. JSON output is not escaped here: JSON.stringify already escapes the C0
 * characters and a JSON reader must get the exact value.
 */

/**
 * C0 controls (newline and tab included), DEL and C1 controls; the BiDi embeddings, overrides, isolates
 * and marks; the Unicode line and paragraph separators.
 */
// eslint-disable-next-line no-control-regex
const unsafe = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `value` with each unsafe character written as an escape (\n, \r, \t, \xHH or \uHHHH). Idempotent: the
 * escapes are plain ASCII, so an escaped value escaped again is unchanged, and nested formatting is safe.
 */
export function escapeControls(value: string): string {
  return value.replace(unsafe, (c) => {
    const code = c.charCodeAt(0);
    return (
      named[c] ??
      (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`)
    );
  });
}

/**
 * A template tag for one line of terminal text: the literal parts as written, every interpolated value
 * escaped (escapeControls). Lines are joined with '\n' outside it.
 */
export function printable(literals: TemplateStringsArray, ...values: unknown[]): string {
  let out = literals[0] ?? '';
  values.forEach((v, i) => {
    out += escapeControls(String(v)) + (literals[i + 1] ?? '');
  });
  return out;
}
