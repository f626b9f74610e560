/**
 * Gallery packs: a centre's gallery without photos, to pool with other centres. A pack holds the embedding
 * model's id and file hash, and per member a fresh random pseudonym, the label with its OMIM / ORPHA / MONDO
 * ids, sex, and one embedding per face with the photo's age band; never a photo, a file name, the store's
 * pseudonym, a date of birth or notes. One JSON document whose content hash covers everything else in it.
 *
 * It is still biometric data: the embeddings re-identify the members (a new photo of one finds them). So a
 * pack is written sealed to its recipient's public key (pack-seal.ts), whom it names in clear; in clear
 * only where the caller explicitly says so (recipient null).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { appVersion } from '../version.js';
import { ageBand, sexes } from '../../shared/vocabulary.js';
import {
  isSealed,
  openPack,
  sealedRecipient,
  sealPack,
  type PackRecipient,
  type RecipientKey,
} from './pack-seal.js';
import { Packs, type PackMember } from './repos/packs.js';
import type { Store } from './store.js';

export const PACK_FORMAT = 'facepheno-gallery-pack' as const;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const curie = (prefix: string) =>
  z
    .string()
    .regex(new RegExp(`^${prefix}:[A-Za-z0-9]+$`))
    .nullable();

const memberSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  label: z.string().trim().min(1).max(200),
  isControl: z.boolean(),
  source: z.string().trim().min(1).max(200).nullable(),
  omim: curie('OMIM'),
  orpha: curie('ORPHA'),
  mondo: curie('MONDO'),
  sex: z.enum(sexes),
  faces: z.array(z.strictObject({ ageBand: z.string().max(40).nullable(), vector: z.base64() })).min(1),
});

const packSchema = z.strictObject({
  format: z.literal(PACK_FORMAT),
  version: z.literal(1),
  centre: z.string().trim().min(1).max(200),
  exportedAt: z.iso.datetime(),
  model: z.strictObject({ id: z.string().min(1).max(200), sha256, dim: z.number().int().positive() }),
  members: z.array(memberSchema).min(1),
  contentSha256: sha256,
});
type PackFile = z.infer<typeof packSchema>;

/** Everything but the hash, keys in one fixed order: what the content hash is the SHA-256 of. */
function body(p: Omit<PackFile, 'contentSha256'>): string {
  return JSON.stringify({
    format: p.format,
    version: p.version,
    centre: p.centre,
    exportedAt: p.exportedAt,
    model: { id: p.model.id, sha256: p.model.sha256, dim: p.model.dim },
    members: p.members.map((m) => ({
      id: m.id,
      label: m.label,
      isControl: m.isControl,
      source: m.source,
      omim: m.omim,
      orpha: m.orpha,
      mondo: m.mondo,
      sex: m.sex,
      faces: m.faces.map((f) => ({ ageBand: f.ageBand, vector: f.vector })),
    })),
  });
}

/** The SHA-256 a pack names itself by: of everything else in it. */
export const contentHash = (p: Omit<PackFile, 'contentSha256'>) =>
  createHash('sha256').update(body(p)).digest('hex');

const b64 = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

export interface PackSummary {
  file: string;
  centre: string;
  model: { id: string; sha256: string; dim: number };
  members: number;
  faces: number;
  labels: string[];
  contentSha256: string;
  /** Whom the pack is encrypted to; null: it is in clear. */
  encryptedTo: PackRecipient | null;
}

function summary(file: string, p: PackFile, encryptedTo: PackRecipient | null): PackSummary {
  return {
    file,
    centre: p.centre,
    model: p.model,
    members: p.members.length,
    faces: p.members.reduce((n, m) => n + m.faces.length, 0),
    labels: [...new Set(p.members.map((m) => m.label))].sort(),
    contentSha256: p.contentSha256,
    encryptedTo,
  };
}

/**
 * Writes the store's own gallery in `model` as a pack (members of packs it merged in are theirs to share,
 * not this centre's), encrypted to `recipient` (null: in clear, which the caller must have been told to
 * ask for). Refuses a store whose embeddings of that model id came from another model file.
 */
export function exportPack(
  store: Store,
  out: string,
  opts: { centre: string; model: { id: string; sha256: string }; recipient: RecipientKey | null },
): PackSummary {
  const file = resolve(out);
  const centre = opts.centre.trim();
  if (!centre) throw new UserError('the centre name is empty');
  const stale = new Packs(store.db).modelSha256s(opts.model.id).filter((s) => s !== opts.model.sha256);
  if (stale.length > 0)
    throw new UserError(
      `the store has embeddings of model '${opts.model.id}' from another model file (sha256 ${stale[0]?.slice(0, 12)}..., ` +
        `this FacePheno's is ${opts.model.sha256.slice(0, 12)}...): re-analyse the gallery before exporting it`,
      { file: store.file },
    );
  const own = store.galleryEmbeddings(opts.model.id).filter((r) => r.patientId !== null);
  if (own.length === 0)
    throw new UserError(`the gallery has no faces in model '${opts.model.id}' to export`, {
      file: store.file,
    });
  // One member per patient and label, under a fresh random pseudonym drawn for this pack alone.
  const members = new Map<string, PackFile['members'][number]>();
  for (const r of own) {
    const key = `${r.patientId}\u0000${r.label}`;
    let m = members.get(key);
    if (!m) {
      const syndrome = r.syndromeId === null ? null : store.syndromes.get(r.syndromeId);
      m = {
        id: randomBytes(8).toString('hex'),
        label: r.label,
        isControl: r.isControl,
        source: r.isControl ? r.source : null,
        omim: syndrome?.omim ?? null,
        orpha: syndrome?.orpha ?? null,
        mondo: syndrome?.mondo ?? null,
        sex: store.patients.getById(r.patientId as number).sex,
        faces: [],
      };
      members.set(key, m);
    }
    const age = r.photoId === null ? null : (store.photos.get(r.photoId)?.ageYears ?? null);
    m.faces.push({ ageBand: age === null ? null : ageBand(age), vector: b64(r.vector) });
  }
  const content = {
    format: PACK_FORMAT,
    version: 1 as const,
    centre,
    exportedAt: new Date().toISOString(),
    model: { id: opts.model.id, sha256: opts.model.sha256, dim: own[0]?.vector.length ?? 0 },
    // Sorted by the random pseudonym, so the order says nothing about the store's.
    members: [...members.values()].sort((a, b) => a.id.localeCompare(b.id)),
  };
  const pack: PackFile = { ...content, contentSha256: contentHash(content) };
  const plain = Buffer.from(JSON.stringify(pack) + '\n');
  const encryptedTo = opts.recipient && { name: opts.recipient.name, keySha256: opts.recipient.keySha256 };
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, opts.recipient ? sealPack(plain, opts.recipient) : plain, { flag: 'wx', mode: 0o600 });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new UserError(`cannot write the pack (${(err as Error).message})`, { file, cause: err });
  }
  store.audit.record('gallery.export', null, {
    centre,
    model: opts.model.id,
    members: members.size,
    encryptedTo,
  });
  return summary(file, pack, encryptedTo);
}

/** A centre's private pack key (pack-seal.ts readPackKey). */
export type PackKey = Parameters<typeof openPack>[2];

/**
 * Reads and checks a pack, decrypting a sealed one with `key`: a sealed pack without the key, with
 * another key, or corrupt or altered in any byte is a UserError naming the file.
 */
export function readPack(
  path: string,
  key?: PackKey,
): { pack: PackFile; members: PackMember[]; encryptedTo: PackRecipient | null } {
  const file = resolve(path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new UserError(`not a readable gallery pack (${(err as Error).message})`, { file, cause: err });
  }
  let encryptedTo: PackRecipient | null = null;
  if (isSealed(bytes)) {
    if (!key) {
      const recipient = sealedRecipient(bytes, file);
      throw new UserError(
        `the pack is encrypted to '${recipient.name}' (key sha256 ${recipient.keySha256}): ` +
          "give that centre's private key with --key FILE",
        { file },
      );
    }
    const opened = openPack(bytes, file, key);
    bytes = opened.plain;
    encryptedTo = opened.recipient;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new UserError(`not a readable gallery pack (${(err as Error).message})`, { file, cause: err });
  }
  const parsed = packSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`not a valid gallery pack: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, {
      file,
    });
  }
  const pack = parsed.data;
  if (contentHash(pack) !== pack.contentSha256)
    throw new UserError('the gallery pack is corrupt or altered: its content hash does not match', { file });
  const members = pack.members.map((m, i) => ({
    ...m,
    faces: m.faces.map((f, j) => {
      const bytes = Buffer.from(f.vector, 'base64');
      const vector = new Float32Array(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      );
      if (bytes.byteLength !== 4 * pack.model.dim || !vector.every(Number.isFinite))
        throw new UserError(
          `not a valid gallery pack: members.${i}.faces.${j}.vector is not ${pack.model.dim} finite numbers`,
          { file },
        );
      return { ageBand: f.ageBand, vector };
    }),
  }));
  return { pack, members, encryptedTo };
}

/**
 * Merges a pack into the store's gallery, all or nothing. Refuses a pack of another embedding model (id
 * or model file) than this FacePheno's, a corrupt one, one already merged, and a sealed one that `key`
 * does not open.
 */
export function addPack(
  store: Store,
  path: string,
  localModels: readonly { id: string; sha256: string }[],
  key?: PackKey,
): PackSummary {
  const file = resolve(path);
  const { pack, members, encryptedTo } = readPack(file, key);
  const local = localModels.find((m) => m.id === pack.model.id);
  if (!local)
    throw new UserError(
      `the pack is of embedding model '${pack.model.id}', which this FacePheno does not have (have: ${localModels.map((m) => m.id).join(', ')})`,
      { file },
    );
  if (local.sha256 !== pack.model.sha256)
    throw new UserError(
      `the pack is of another build of model '${pack.model.id}' (sha256 ${pack.model.sha256.slice(0, 12)}..., ` +
        `this FacePheno's is ${local.sha256.slice(0, 12)}...): its embeddings cannot be compared with this gallery's`,
      { file },
    );
  const packs = new Packs(store.db);
  store.transaction(() => {
    const already = packs.find(pack.contentSha256);
    if (already)
      throw new UserError(
        `this pack (${already.centre}) was already added on ${already.addedAt.slice(0, 10)}`,
        { file },
      );
    packs.add({ ...pack, members }, appVersion);
    store.audit.record('gallery.add-pack', null, {
      centre: pack.centre,
      model: pack.model.id,
      members: members.length,
      contentSha256: pack.contentSha256,
      encryptedTo,
    });
  });
  return summary(file, pack, encryptedTo);
}
