/**
 * An error the user can act on: bad input, a missing file, a refused operation.
 * Its message is complete on its own (it names the file and, where it applies, the line),
 * so the command prints it as is and the app shows it as is; anything else is a bug.
 */
export class UserError extends Error {
  readonly file: string | undefined;
  readonly line: number | undefined;

  constructor(message: string, where: { file?: string; line?: number; cause?: unknown } = {}) {
    const place =
      where.file === undefined
        ? ''
        : where.line === undefined
          ? `${where.file}: `
          : `${where.file}:${where.line}: `;
    super(place + message, where.cause === undefined ? undefined : { cause: where.cause });
    this.name = 'UserError';
    this.file = where.file;
    this.line = where.line;
  }
}

/** Wrong arguments to a command: printed with a pointer to --help, exit code 2. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * An internal error as it may be logged: its kind and where it arose, never its message, which can carry
 * a patient's file name or id (an ENOENT names the path).
 */
export function loggableError(err: unknown): string {
  if (!(err instanceof Error)) return `non-Error thrown (${typeof err})`;
  const code = (err as NodeJS.ErrnoException).code;
  const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
  return [`${err.name}${code ? ` ${code}` : ''} (message withheld)`, ...frames].join('\n');
}
