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

/** The option every command that opens a case database takes, wherever it stands before `--`. */
const keyFileOption = '--key-file';

/**
 * Takes `--key-file FILE` (or `--key-file=FILE`) out of a command line, so that each command's own strict
 * parsing never sees it: the passphrase of an encrypted database, read from a file so `ps` never shows it.
 */
export function takeKeyFile(argv: readonly string[]): { args: string[]; keyFile: string | undefined } {
  const args: string[] = [];
  let keyFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === undefined) break;
    if (arg === '--') {
      args.push(...argv.slice(i));
      break;
    }
    let value: string | undefined;
    if (arg === keyFileOption) {
      value = argv[++i];
      if (value === undefined || value.startsWith('-'))
        throw new UsageError(`${keyFileOption} needs a FILE holding the database passphrase`);
    } else if (arg.startsWith(`${keyFileOption}=`)) value = arg.slice(keyFileOption.length + 1);
    else {
      args.push(arg);
      continue;
    }
    if (keyFile !== undefined) throw new UsageError(`${keyFileOption} given twice`);
    if (value.length === 0)
      throw new UsageError(`${keyFileOption} needs a FILE holding the database passphrase`);
    keyFile = value;
  }
  return { args, keyFile };
}

/** The option that opens (or creates) a case database and its photo folder without encryption. */
export const noEncryptionOption = '--no-encryption';

/** Takes `--no-encryption` out of a command line (before `--`), like --key-file: every store command takes it. */
export function takeNoEncryption(argv: readonly string[]): { args: string[]; noEncryption: boolean } {
  const end = argv.indexOf('--');
  const head = end === -1 ? [...argv] : argv.slice(0, end);
  const tail = end === -1 ? [] : argv.slice(end);
  const args = head.filter((a) => a !== noEncryptionOption);
  return { args: [...args, ...tail], noEncryption: args.length !== head.length };
}
