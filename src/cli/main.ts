// First: onnxruntime's library reads the process environment, which worker threads cannot change.
import '../main/telemetry-off.js';
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, UserError } from '../main/errors.js';
import {
  connectionWarning,
  displayTarget,
  encryptedStoreConfig,
  isDepartmentDatabase,
  readKeyFile,
} from '../main/usecases/workspace.js';
import { takeKeyFile, takeNoEncryption } from './args.js';
import type { Command, CommandContext } from './command.js';
import { printable } from './printable.js';

const commandsDir = fileURLToPath(new URL('./commands', import.meta.url));

function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith('.js') && !f.endsWith('.test.js'))
    .map((f) => basename(f, '.js'))
    .sort();
}

async function loadCommand(name: string): Promise<Command | undefined> {
  if (!commandNames().includes(name)) return undefined;
  const mod = (await import(`./commands/${name}.js`)) as { command: Command };
  return mod.command;
}

async function overview(): Promise<string> {
  const lines = [
    'Usage: facepheno <command> [options]   (facepheno <command> --help for more)',
    '',
    'Commands:',
  ];
  for (const name of commandNames()) {
    const cmd = await loadCommand(name);
    if (cmd) lines.push(`  ${name.padEnd(16)}${cmd.summary}`);
  }
  lines.push(
    '',
    'Every command that opens a case database also takes:',
    '  --key-file FILE the passphrase of an encrypted database, read from FILE (else FACEPHENO_DB_KEY;',
    '                  else the key FacePheno keeps for that database in ~/.config/facepheno/keys, or',
    '                  $XDG_CONFIG_HOME/facepheno/keys, made with a new database: every database is encrypted)',
    '  --no-encryption open or create the database and its photos unencrypted (said on stderr)',
  );
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let taken: ReturnType<typeof takeKeyFile>;
  const { args: rawArgs, noEncryption } = takeNoEncryption(argv);
  try {
    taken = takeKeyFile(rawArgs);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(printable`facepheno: ${err.message} (see facepheno --help)`);
    return 2;
  }
  const [name, ...rest] = taken.args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(await overview());
    return name === undefined ? 2 : 0;
  }
  const cmd = await loadCommand(name);
  if (!cmd) {
    console.error(printable`facepheno: unknown command '${name}' (see facepheno --help)`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.usage);
    return 0;
  }
  try {
    const key = taken.keyFile === undefined ? undefined : readKeyFile(taken.keyFile);
    // Each notice said once per run, however many times a command opens the database.
    const warned = new Set<string>();
    const sayOnce = (notice: string) => {
      if (warned.has(notice)) return;
      warned.add(notice);
      console.error(notice);
    };
    const ctx: CommandContext = {
      givenKey: key ?? process.env.FACEPHENO_DB_KEY,
      noEncryption,
      storeConfig: (target, photosDir) => {
        const warning = connectionWarning(target);
        if (warning !== null) sayOnce(`facepheno: warning: ${warning}`);
        if (noEncryption && !isDepartmentDatabase(target))
          sayOnce(`facepheno: --no-encryption: ${displayTarget(target)} and its photos are kept unencrypted`);
        return encryptedStoreConfig(target, {
          ...(key !== undefined ? { key } : {}),
          ...(photosDir !== undefined ? { photosDir } : {}),
          plaintext: noEncryption,
        });
      },
    };
    return await cmd.run(rest, ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(printable`facepheno ${name}: ${err.message} (see facepheno ${name} --help)`);
      return 2;
    }
    if (err instanceof UserError) {
      console.error(printable`facepheno ${name}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
