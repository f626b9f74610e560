/**
 * Names from outside reach the terminal escaped: photo files and gallery labels named with an ESC colour
 * sequence, a BiDi override (U+202E) and a newline, run through the real command. The text output shows
 * the escapes and holds none of those characters raw (nor a forged line); the JSON output keeps the exact
 * names.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeControls, printable } from '../../src/cli/printable.js';
import { runCli } from '../support/cli.js';
import { facedata } from '../support/paths.js';
import { testModelsDir } from '../store/support.js';

/** ESC [31m (red), RIGHT-TO-LEFT OVERRIDE, and a newline that would start a forged line. */
const evil = 'x\u001b[31m\u202egpj.exe\nforged: ok';
const shown = 'x\\x1b[31m\\u202egpj.exe\\nforged: ok';
const bidiLabel = 'label \u202egpj.exe\u009b31m';
const bidiShown = 'label \\u202egpj.exe\\x9b31m';
// eslint-disable-next-line no-control-regex
const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('escapeControls and the printable tag', () => {
  it('escapes C0, DEL, C1, BiDi and line separators; leaves the rest and is idempotent', () => {
    expect(escapeControls(evil)).toBe(shown);
    expect(escapeControls('a\tb\r\u0000\u007f\u0085\u200f\u2028\u2066é漢')).toBe(
      'a\\tb\\r\\x00\\x7f\\x85\\u200f\\u2028\\u2066é漢',
    );
    expect(escapeControls(escapeControls(evil))).toBe(shown);
    expect(printable`photo ${evil}: ${3} faces\n`).toBe(`photo ${shown}: 3 faces\n`);
  });
});

describe('the command prints names from outside escaped', () => {
  let root: string;
  let models: { dir: string; cleanup: () => void };
  let env: Record<string, string>;
  const face = () => {
    const from = facedata('down_syndrome_kaggle', 'down_syndrome');
    return join(
      from,
      readdirSync(from)
        .filter((f) => f.endsWith('.jpg'))
        .sort()[0] as string,
    );
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'facepheno-controls-'));
    models = await testModelsDir();
    env = { FACEPHENO_MODELS_DIR: models.dir };
    mkdirSync(join(root, 'photos'));
    copyFileSync(face(), join(root, 'photos', `${evil}.jpg`));
    writeFileSync(join(root, 'photos', `${evil}.txt.jpg`), 'not a photo\n');
    // A gallery whose label (the folder) and photo carry the same characters.
    mkdirSync(join(root, 'gallery', `label ${evil}`), { recursive: true });
    copyFileSync(face(), join(root, 'gallery', `label ${evil}`, `${evil}.jpg`));
    // Patient ids (label/patient) with C0 controls are refused (below); this label has a BiDi override
    // and a C1 CSI (the 8-bit form of ESC [) only.
    mkdirSync(join(root, 'named', bidiLabel), { recursive: true });
    copyFileSync(face(), join(root, 'named', bidiLabel, `${evil}.jpg`));
    writeFileSync(join(root, 'named', bidiLabel, 'metadata.csv'), `file,patient\n"${evil}.jpg",P1\n`);
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    models?.cleanup();
  });

  it('analyze: each photo on one line, its name and its error escaped; JSON keeps the exact name', () => {
    const r = runCli(['analyze', join(root, 'photos')], env);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(raw);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.some((l) => l.startsWith(join(root, 'photos', `${shown}.jpg: face at`)))).toBe(true);
    expect(lines.some((l) => l.startsWith(join(root, 'photos', `${shown}.txt.jpg: error:`)))).toBe(true);
    expect(r.stdout).not.toMatch(/^forged: ok/m);

    const j = runCli(['analyze', join(root, 'photos'), '--json'], env);
    expect(j.code).toBe(0);
    const files = (JSON.parse(j.stdout) as { images: { file: string }[] }).images.map((i) => i.file);
    expect(files.sort()).toEqual(
      [`${evil}.jpg`, `${evil}.txt.jpg`].map((f) => join(root, 'photos', f)).sort(),
    );
  });

  it('an error naming the file is escaped on stderr', () => {
    const r = runCli(['analyze', join(root, 'photos', `${evil}.txt.jpg`)], env);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(raw);
    expect(r.stderr).toContain(`${shown}.txt.jpg: not an image FacePheno can read`);
    expect(
      r.stderr
        .trim()
        .split('\n')
        .every((l) => !l.startsWith('forged')),
    ).toBe(true);
  });

  it('gallery import: a refusal naming the photo escaped; the label escaped in the text output, exact in JSON', () => {
    const refused = runCli(['gallery', 'import', '--db', join(root, 'r.db'), join(root, 'gallery')], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).not.toMatch(raw);
    expect(refused.stderr).toContain(`label ${shown}/${shown}.jpg: `);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);

    const text = runCli(['gallery', 'import', '--db', join(root, 'a.db'), join(root, 'named')], env);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).not.toMatch(raw);
    expect(text.stdout).toContain(`syndromes: ${bidiShown}`);
    expect(text.stdout).toContain(`imported ${join(root, 'named')} into ${join(root, 'a.db')}`);
    const json = runCli(
      ['gallery', 'import', '--db', join(root, 'b.db'), join(root, 'named'), '--json'],
      env,
    );
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { syndromes: string[] }).syndromes).toEqual([bidiLabel]);
  });
});
