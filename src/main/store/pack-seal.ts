/**
 * A gallery pack sealed to its recipient: a pack's embeddings re-identify its members (a new photo of a
 * member finds them), so a pack is biometric data and travels encrypted to the receiving centre's public
 * key. X25519 key agreement with a fresh ephemeral key, HKDF-SHA256, AES-256-GCM, all node:crypto.
 *
 * The file is one line of JSON (the header: format, version, the recipient's name and key fingerprint, the
 * ephemeral public key and the IV), then the ciphertext and its 16-byte tag. The header is in clear, so a
 * pack says whom it is for without its key, and it is the AES-GCM additional data, so none of it can be
 * changed without the decryption failing.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';

export const SEALED_FORMAT = 'facepheno-gallery-pack-sealed' as const;
const CIPHER = 'x25519-hkdf-sha256-aes-256-gcm' as const;
const INFO = Buffer.from('facepheno gallery pack v1');
const TAG_BYTES = 16;
const MAX_HEADER = 4096;
/** How a sealed pack begins (the header's first key is always written first). */
const MAGIC = Buffer.from(`{"format":"${SEALED_FORMAT}"`);

/** Who may read a pack: the receiving centre's name and the SHA-256 of its raw X25519 public key. */
export interface PackRecipient {
  name: string;
  keySha256: string;
}

/** A recipient's public key as the sender holds it. */
export interface RecipientKey extends PackRecipient {
  publicKey: KeyObject;
}

const b64 = z.base64();
const headerSchema = z.strictObject({
  format: z.literal(SEALED_FORMAT),
  version: z.literal(1),
  recipient: z.strictObject({
    name: z.string().trim().min(1).max(200),
    keySha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  cipher: z.literal(CIPHER),
  ephemeralKey: b64,
  iv: b64,
});
type Header = z.infer<typeof headerSchema>;

const rawPublic = (key: KeyObject): Buffer =>
  Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url');
const fingerprint = (key: KeyObject): string => createHash('sha256').update(rawPublic(key)).digest('hex');
const x25519Public = (raw: Buffer): KeyObject =>
  createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });

function packKey(shared: Buffer, ephemeral: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeral, recipient]), INFO, 32));
}

/** Whether `bytes` are a sealed pack (else they may be a pack in clear). */
export const isSealed = (bytes: Buffer): boolean => bytes.subarray(0, MAGIC.length).equals(MAGIC);

/** Encrypts a pack's bytes to `to`: the header names the recipient and is authenticated with the rest. */
export function sealPack(plain: Buffer, to: RecipientKey): Buffer {
  const ephemeral = generateKeyPairSync('x25519');
  const ephemeralRaw = rawPublic(ephemeral.publicKey);
  const recipientRaw = rawPublic(to.publicKey);
  const key = packKey(
    diffieHellman({ privateKey: ephemeral.privateKey, publicKey: to.publicKey }),
    ephemeralRaw,
    recipientRaw,
  );
  const iv = randomBytes(12);
  const header: Header = {
    format: SEALED_FORMAT,
    version: 1,
    recipient: { name: to.name, keySha256: to.keySha256 },
    cipher: CIPHER,
    ephemeralKey: ephemeralRaw.toString('base64'),
    iv: iv.toString('base64'),
  };
  const head = Buffer.from(JSON.stringify(header) + '\n');
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(head);
  return Buffer.concat([head, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** The recipient a sealed pack names in its header, read without any key (a bad header is refused). */
export function sealedRecipient(bytes: Buffer, file: string): PackRecipient {
  return readHeader(bytes, file).header.recipient;
}

function readHeader(bytes: Buffer, file: string): { header: Header; head: Buffer } {
  const end = bytes.subarray(0, MAX_HEADER).indexOf(0x0a);
  let raw: unknown;
  try {
    if (end < 0) throw new Error('no header line');
    raw = JSON.parse(bytes.subarray(0, end).toString('utf8'));
  } catch (err) {
    throw new UserError(`not a readable encrypted gallery pack (${(err as Error).message})`, { file });
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `not a valid encrypted gallery pack: header ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
      { file },
    );
  }
  return { header: parsed.data, head: bytes.subarray(0, end + 1) };
}

/**
 * Decrypts a sealed pack with the recipient's private key. A pack for another key, or one with any byte
 * changed (header included), is a UserError naming the file.
 */
export function openPack(
  bytes: Buffer,
  file: string,
  key: { privateKey: KeyObject; file: string },
): {
  plain: Buffer;
  recipient: PackRecipient;
} {
  const { header, head } = readHeader(bytes, file);
  const own = createPublicKey(key.privateKey);
  const ownSha = fingerprint(own);
  if (ownSha !== header.recipient.keySha256)
    throw new UserError(
      `the pack is encrypted to '${header.recipient.name}' (key sha256 ${header.recipient.keySha256}), ` +
        `not to the key in ${key.file} (sha256 ${ownSha}): nothing was imported`,
      { file },
    );
  const body = bytes.subarray(head.length);
  const iv = Buffer.from(header.iv, 'base64');
  const ephemeralRaw = Buffer.from(header.ephemeralKey, 'base64');
  const altered = (why: string) =>
    new UserError(`the gallery pack is corrupt or altered (${why}): nothing was imported`, { file });
  if (iv.length !== 12 || ephemeralRaw.length !== 32 || body.length < TAG_BYTES)
    throw altered('its header or length is wrong');
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: key.privateKey, publicKey: x25519Public(ephemeralRaw) });
  } catch {
    throw altered('its ephemeral key is not a valid X25519 key');
  }
  const decipher = createDecipheriv('aes-256-gcm', packKey(shared, ephemeralRaw, rawPublic(own)), iv, {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(head);
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    const plain = Buffer.concat([
      decipher.update(body.subarray(0, body.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return { plain, recipient: header.recipient };
  } catch {
    throw altered('it does not decrypt: a byte of it was changed');
  }
}

/** The PEM block of `label` in `text`, if any (text around it, such as a comment, is allowed). */
function pemBlock(text: string, label: string): string | undefined {
  return new RegExp(`-----BEGIN ${label}-----[A-Za-z0-9+/=\\s]+-----END ${label}-----`).exec(text)?.[0];
}

/**
 * Reads a recipient's public key: a PEM file as `gallery keygen` writes it, or the base64 of the 32 raw
 * key bytes on one line (what a centre may paste into a mail).
 */
export function readRecipientKey(path: string, name: string): RecipientKey {
  const file = resolve(path);
  const recipient = name.trim();
  if (!recipient) throw new UserError('the recipient name is empty');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read the recipient's public key (${(err as Error).message})`, { file });
  }
  let publicKey: KeyObject;
  try {
    const pem = pemBlock(text, 'PUBLIC KEY');
    const raw = pem ? undefined : Buffer.from(text.trim(), 'base64');
    if (!pem && (raw?.length !== 32 || raw.toString('base64') !== text.trim()))
      throw new Error('neither a PEM public key nor the base64 of 32 key bytes');
    publicKey = pem ? createPublicKey(pem) : x25519Public(raw as Buffer);
  } catch (err) {
    throw new UserError(`not a public key (${(err as Error).message})`, { file });
  }
  if (publicKey.asymmetricKeyType !== 'x25519')
    throw new UserError(
      `not an X25519 public key (a ${publicKey.asymmetricKeyType} key): make one with facepheno gallery keygen`,
      { file },
    );
  return { name: recipient, keySha256: fingerprint(publicKey), publicKey };
}

/** Reads a centre's private pack key; one that others may read is refused (as ssh does). */
export function readPackKey(path: string): { privateKey: KeyObject; file: string } {
  const file = resolve(path);
  let text: string;
  try {
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0)
      throw new Error(`others may read it (mode ${(statSync(file).mode & 0o777).toString(8)}): chmod 600 it`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot use the private pack key (${(err as Error).message})`, { file });
  }
  const pem = pemBlock(text, 'PRIVATE KEY');
  let privateKey: KeyObject | undefined;
  try {
    privateKey = pem ? createPrivateKey(pem) : undefined;
  } catch {
    privateKey = undefined;
  }
  if (privateKey?.asymmetricKeyType !== 'x25519')
    throw new UserError('not an X25519 private key as facepheno gallery keygen writes it', { file });
  return { privateKey, file };
}

export interface PackKeyFiles {
  privateKey: string;
  publicKey: string;
  /** The public key's 32 bytes in base64: the same key as text to send. */
  publicKeyBase64: string;
  keySha256: string;
}

/** Creates a file only this user may read and write, refusing one that is already there. */
function writeNew(file: string, text: string): void {
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  chmodSync(file, 0o600);
}

/**
 * Writes a new X25519 key pair into `dir`: the private key (0600, never to leave the centre) and the
 * public key to send to centres that will share packs with this one. Refuses to overwrite either.
 */
export function writePackKeys(dir: string): PackKeyFiles {
  const folder = resolve(dir);
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const keySha256 = fingerprint(publicKey);
  const files = {
    privateKey: join(folder, 'facepheno-pack.key'),
    publicKey: join(folder, 'facepheno-pack.pub'),
  };
  const publicKeyBase64 = rawPublic(publicKey).toString('base64');
  try {
    writeNew(files.privateKey, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  } catch (err) {
    throw new UserError(`cannot write the private key (${(err as Error).message})`, {
      file: files.privateKey,
    });
  }
  try {
    writeNew(
      files.publicKey,
      `FacePheno gallery pack public key, sha256 ${keySha256}\n` +
        (publicKey.export({ type: 'spki', format: 'pem' }) as string),
    );
    chmodSync(files.publicKey, 0o644);
  } catch (err) {
    rmSync(files.privateKey, { force: true });
    throw new UserError(`cannot write the public key (${(err as Error).message})`, {
      file: files.publicKey,
    });
  }
  return { ...files, publicKeyBase64, keySha256 };
}
