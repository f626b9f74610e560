/**
 * The sealed pack envelope (pack-seal.ts) with real node:crypto keys written by writePackKeys: it opens
 * with the recipient's private key only, and a change to any single byte, header or body, is refused.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/main/errors.js';
import {
  isSealed,
  openPack,
  readPackKey,
  readRecipientKey,
  sealedRecipient,
  sealPack,
  writePackKeys,
} from '../../src/main/store/pack-seal.js';
import { tempDir } from '../store/support.js';

const tmp = tempDir('facepheno-pack-seal-');
afterAll(() => tmp.remove());

describe('a sealed gallery pack', () => {
  const mine = writePackKeys(tmp.dir);
  const plain = Buffer.from(JSON.stringify({ members: [{ label: 'Kabuki syndrome', vector: 'AAAA' }] }));
  const to = readRecipientKey(mine.publicKey, 'Centre X');
  const sealed = sealPack(plain, to);
  const key = readPackKey(mine.privateKey);

  it('opens with the recipient key, naming the recipient in clear', () => {
    expect(isSealed(sealed)).toBe(true);
    expect(isSealed(plain)).toBe(false);
    expect(sealedRecipient(sealed, 'p')).toEqual({ name: 'Centre X', keySha256: mine.keySha256 });
    expect(openPack(sealed, 'p', key)).toEqual({
      plain,
      recipient: { name: 'Centre X', keySha256: mine.keySha256 },
    });
    expect(sealed.toString('latin1')).not.toContain('Kabuki');
    // Two seals of the same pack share no key: an ephemeral key and IV each time.
    expect(sealPack(plain, to).equals(sealed)).toBe(false);
  });

  it('refuses every single flipped byte, header or body, naming the file', () => {
    for (let i = 0; i < sealed.length; i++) {
      const copy = Buffer.from(sealed);
      copy[i] = (copy[i] as number) ^ 0x20;
      expect(() => openPack(copy, '/x/pack', key), `byte ${i}`).toThrow(UserError);
      expect(() => openPack(copy, '/x/pack', key)).toThrow(/^\/x\/pack: /);
    }
  });

  it('refuses another centre key', () => {
    const other = join(tmp.dir, 'other');
    mkdirSync(other);
    const theirs = readPackKey(writePackKeys(other).privateKey);
    expect(() => openPack(sealed, '/x/pack', theirs)).toThrow(/encrypted to 'Centre X'.*not to the key in/);
  });

  it('refuses a private key others may read, and a public key that is not X25519', () => {
    const loose = join(tmp.dir, 'loose.key');
    writeFileSync(loose, '', { mode: 0o644 });
    expect(() => readPackKey(loose)).toThrow(/others may read it \(mode 644\)/);
    const junk = join(tmp.dir, 'junk.pub');
    writeFileSync(junk, 'not a key\n');
    expect(() => readRecipientKey(junk, 'X')).toThrow(new RegExp(`^${junk}: not a public key`));
  });
});
