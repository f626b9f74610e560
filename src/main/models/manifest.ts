import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';

export const modelTasks = ['face-detection', 'face-landmarks', 'iris-landmarks', 'face-embedding'] as const;
export type ModelTask = (typeof modelTasks)[number];

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in lower-case hex');

export const modelEntrySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    task: z.enum(modelTasks),
    file: z.string().regex(/^[^/\\]+\.onnx$/, 'an .onnx file name inside the models folder'),
    sha256: sha256Hex,
    bytes: z.number().int().positive(),
    input: z.object({
      name: z.string().min(1),
      layout: z.enum(['NHWC', 'NCHW']),
      height: z.number().int().positive(),
      width: z.number().int().positive(),
      colorOrder: z.enum(['RGB', 'BGR']),
      /** model input = pixel (0..255) * scale[c] + offset[c], c in the model's colour order */
      scale: z.array(z.number()).length(3),
      offset: z.array(z.number()).length(3),
    }),
    outputs: z
      .array(
        z.object({
          name: z.string().min(1),
          shape: z.array(z.number().int().nullable()),
          meaning: z.string(),
        }),
      )
      .min(1),
    embedding: z
      .object({ output: z.string(), dim: z.number().int().positive(), alignment: z.literal('arcface-112') })
      .optional(),
    source: z.object({ package: z.string(), version: z.string(), file: z.string(), sha256: sha256Hex }),
    licence: z.string(),
  })
  .refine((m) => m.task !== 'face-embedding' || m.embedding !== undefined, {
    message: 'a face-embedding model needs an embedding entry',
  })
  .refine((m) => !m.embedding || m.outputs.some((o) => o.name === m.embedding?.output), {
    message: 'embedding.output must name one of the outputs',
  });

export type ModelEntry = z.infer<typeof modelEntrySchema>;

export const manifestSchema = z.object({
  format: z.literal(1),
  /** What wrote the folder, e.g. 'facepheno 0.1.0 tools/models (layout nchw)'. */
  generatedBy: z.string(),
  models: z.array(modelEntrySchema).refine((ms) => new Set(ms.map((m) => m.id)).size === ms.length, {
    message: 'model ids must be unique',
  }),
});

export type Manifest = z.infer<typeof manifestSchema>;

export const MANIFEST_FILE = 'manifest.json';

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Reads and validates manifest.json; bad JSON or a bad entry is a UserError naming the file. */
export function readManifest(dir: string): Manifest {
  const file = join(dir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (err as Error).message;
    throw new UserError(`model manifest unreadable (${why}); run 'npm run models' to build the models`, {
      file,
      cause: err,
    });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `not a valid model manifest: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
      {
        file,
      },
    );
  }
  return parsed.data;
}

/**
 * Reads one model file and checks it against its manifest entry (present, the recorded sha256); returns the
 * verified bytes so that what runs is exactly what was checked.
 */
export function verifyModelFile(dir: string, m: ModelEntry): Buffer {
  const file = join(dir, m.file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new UserError(`model '${m.id}' is missing (expected sha256 ${m.sha256}); run 'npm run models'`, {
      file,
      cause: err,
    });
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== m.sha256) {
    const size = bytes.byteLength === m.bytes ? '' : `${bytes.byteLength} bytes instead of ${m.bytes}, `;
    throw new UserError(
      `model '${m.id}' is damaged or altered (${size}sha256 ${digest}, expected sha256 ${m.sha256}); run 'npm run models'`,
      { file },
    );
  }
  return bytes;
}

/** The manifest with every model file checked; any problem throws before anything is used. */
export function loadManifest(dir: string): Manifest {
  const manifest = readManifest(dir);
  for (const m of manifest.models) verifyModelFile(dir, m);
  return manifest;
}

/** The embedding model that matching and analysis use unless told otherwise: the manifest lists the best first. */
export function defaultEmbeddingModel(manifest: Manifest, dir: string): ModelEntry {
  const m = manifest.models.find((e) => e.task === 'face-embedding');
  if (!m) throw new UserError('the model manifest lists no face-embedding model', { file: dir });
  return m;
}
