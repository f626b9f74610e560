import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../main/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util's strict parseArgs, its complaints turned into usage errors (exit code 2, pointer to --help). */
export function parseCommandArgs<const O extends Options, const P extends boolean = true>(
  args: string[],
  options: O,
  allowPositionals: P = true as P,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
