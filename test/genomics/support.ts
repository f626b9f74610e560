import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/paths.js';

export function fixture(name: string): string {
  return join(repoRoot, 'test', 'fixtures', 'genomics', name);
}

/** A scratch folder, removed by the returned cleanup. */
export function scratch(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'facepheno-genomics-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a copy of a text fixture with its 1-based line `line` replaced (or removed, for null). */
export function withLine(
  dir: string,
  name: string,
  line: number,
  edit: (text: string) => string | null,
): string {
  const lines = readFileSync(fixture(name), 'utf8').split('\n');
  const edited = edit(lines[line - 1] ?? '');
  if (edited === null) lines.splice(line - 1, 1);
  else lines[line - 1] = edited;
  const out = join(dir, `edited-${line}-${name}`);
  writeFileSync(out, lines.join('\n'));
  return out;
}
