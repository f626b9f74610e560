import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FacePipeline, type PhotoAnalysis, openFacePipeline } from '../../src/main/face/pipeline.js';
import { dot } from '../../src/main/match/vectors.js';
import { facedata } from '../support/paths.js';

/** A handful of real photos; each test builds its odd inputs from them at run time. */
const child = (i: number) => {
  const dir = facedata('children_controls');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .sort();
  return readFileSync(join(dir, files[i * 37] as string));
};
const john = (name: string, i: number) => {
  const dir = facedata('identity', 'dlib_johns', name);
  return readFileSync(join(dir, readdirSync(dir).sort()[i] as string));
};

let pipeline: FacePipeline;
beforeAll(async () => {
  pipeline = await openFacePipeline();
});
afterAll(async () => {
  await pipeline?.close();
});

/** Even-odd rule: whether `p` lies inside the polygon. */
function inside([x, y]: [number, number], polygon: [number, number][]): boolean {
  let odd = false;
  polygon.forEach(([xi, yi], i) => {
    const [xj, yj] = polygon[(i + polygon.length - 1) % polygon.length] as [number, number];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) odd = !odd;
  });
  return odd;
}

const analyze = (file: string, bytes: Buffer) => pipeline.analyze({ file, bytes });
const primaryOf = (a: PhotoAnalysis) => {
  const face = a.primary === null ? undefined : a.faces[a.primary];
  if (!face) throw new Error(`${a.file}: no primary face`);
  return face;
};

describe('face pipeline on real photos', () => {
  it('finds, measures and embeds the face in a tight crop', async () => {
    const a = await analyze('child.jpg', child(0));
    expect(a.faces).toHaveLength(1);
    const face = primaryOf(a);
    expect(face.mesh).toHaveLength(478 * 3);
    expect(face.quality.interocularPx).toBeGreaterThan(40);
    expect(Math.abs(face.quality.roll)).toBeLessThan(20);
    for (const m of pipeline.embeddingModels) {
      const v = face.embeddings[m.id];
      expect(v).toHaveLength(m.dim);
      expect(dot(v as Float32Array, v as Float32Array)).toBeCloseTo(1, 4);
    }
    // The aligned PNG puts the eyes where the ArcFace template has them: check its size and format.
    const meta = await sharp(a.aligned as Buffer).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 112, 112]);
    expect(face.points5[0]?.[0]).toBeLessThan(face.points5[1]?.[0] ?? 0); // subject's right eye on the image's left
  });

  it('puts each pupil inside its eye outline and measures the eyes plausibly', async () => {
    // The eyelid margins as closed rings (outer corner, upper lid, inner corner, lower lid).
    const rings = [
      [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7],
      [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249],
    ];
    for (const [file, bytes] of [
      ['john.jpg', john('John_Salley', 0)],
      ['child.jpg', child(1)],
    ] as const) {
      const face = primaryOf(await analyze(file, bytes));
      const mesh = face.mesh as number[];
      const at = (i: number): [number, number] => [mesh[i * 3] as number, mesh[i * 3 + 1] as number];
      rings.forEach((ring, eye) => {
        const pupil = at(468 + 5 * eye);
        expect(inside(pupil, ring.map(at)), `${file}: pupil ${eye} outside its eye`).toBe(true);
      });
      const m = face.measurements;
      if (!m) throw new Error(`${file}: no measurements`);
      expect(m.innerCanthalPx).toBeLessThan(m.interpupillaryPx);
      expect(m.interpupillaryPx).toBeLessThan(m.outerCanthalPx);
      // Adult and child norms put the inner canthal distance near a third of the outer, the pupils near 0.7.
      expect(m.innerCanthalRatio).toBeGreaterThan(0.25);
      expect(m.innerCanthalRatio).toBeLessThan(0.45);
      expect(m.interpupillaryRatio).toBeGreaterThan(0.55);
      expect(m.interpupillaryRatio).toBeLessThan(0.85);
      expect(m.interpupillaryPx).toBeCloseTo(face.quality.interocularPx, -1);
    }
  });

  it('reports no face, not an error, for a photo without one', async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">
      <rect width="320" height="240" fill="#7ab"/><rect y="160" width="320" height="80" fill="#5a4"/>
      <rect x="40" y="90" width="120" height="90" fill="#c96"/><polygon points="30,90 100,40 170,90" fill="#833"/>
      <circle cx="260" cy="50" r="25" fill="#fd4"/></svg>`;
    const noFace = await sharp(Buffer.from(svg)).jpeg().toBuffer();
    const a = await analyze('house.jpg', noFace);
    expect(a.faces).toEqual([]);
    expect(a.primary).toBeNull();
    expect(a.aligned).toBeNull();
  });

  it('finds all six faces of a group and picks the largest, central one as primary', async () => {
    const tiles = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) =>
        sharp(child(i))
          .resize(i === 4 ? 200 : 150)
          .toBuffer(),
      ),
    );
    const places = [
      [20, 20],
      [240, 20],
      [460, 20],
      [20, 240],
      [225, 230],
      [460, 240],
    ];
    const group = await sharp({ create: { width: 640, height: 460, channels: 3, background: '#d0d0c8' } })
      .composite(tiles.map((input, i) => ({ input, left: places[i]?.[0] ?? 0, top: places[i]?.[1] ?? 0 })))
      .jpeg()
      .toBuffer();
    const a = await analyze('group.jpg', group);
    expect(a.faces).toHaveLength(6);
    const p = primaryOf(a);
    expect(p.box.x).toBeGreaterThan(200);
    expect(p.box.y).toBeGreaterThan(200);
    expect(Object.keys(p.embeddings).length).toBe(pipeline.embeddingModels.length);
    expect(a.faces.filter((f) => Object.keys(f.embeddings).length > 0)).toHaveLength(1);
  });

  it('finds a 40x40 face and flags it as small', async () => {
    const small = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#a0a0a0' } })
      .composite([{ input: await sharp(child(1)).resize(40).toBuffer(), left: 180, top: 130 }])
      .png()
      .toBuffer();
    const face = primaryOf(await analyze('small.png', small));
    expect(face.quality.flags).toContain('small face');
    expect(face.quality.interocularPx).toBeLessThan(25);
  });

  it('handles grey, CMYK and 16-bit versions of a photo like the original', async () => {
    const original = child(2);
    const base = primaryOf(await analyze('colour.jpg', original));
    const variants = {
      'grey.jpg': await sharp(original).greyscale().jpeg().toBuffer(),
      'cmyk.jpg': await sharp(original).toColourspace('cmyk').jpeg().toBuffer(),
      'deep.png': await sharp(original).toColourspace('rgb16').png().toBuffer(),
    };
    for (const [name, bytes] of Object.entries(variants)) {
      const face = primaryOf(await analyze(name, bytes));
      face.points5.forEach(([x, y], k) => {
        const [bx, by] = base.points5[k] ?? [NaN, NaN];
        expect(Math.hypot(x - bx, y - by)).toBeLessThan(0.1 * base.quality.interocularPx);
      });
    }
  });

  it('reads EXIF orientation: a photo stored sideways is analysed upright', async () => {
    const upright = await sharp(child(3)).resize(200, 200).jpeg().toBuffer();
    // Stored turned 90 degrees anticlockwise with orientation 6 ("rotate 90 clockwise to display").
    const stored = await sharp(upright).rotate(-90).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const a = primaryOf(await analyze('upright.jpg', upright));
    const b = primaryOf(await analyze('exif.jpg', stored));
    expect(Math.abs(b.quality.roll)).toBeLessThan(15);
    a.points5.forEach(([x, y], k) => {
      const [bx, by] = b.points5[k] ?? [NaN, NaN];
      expect(Math.hypot(x - bx, y - by)).toBeLessThan(0.1 * a.quality.interocularPx);
    });
  });

  it('finds a face lying on its side or upside down in the pixels (no EXIF to go by)', async () => {
    const upright = primaryOf(await analyze('upright.jpg', child(4)));
    for (const turn of [90, 180]) {
      const turned = await sharp(child(4)).rotate(turn).jpeg().toBuffer();
      const face = primaryOf(await analyze(`turned${turn}.jpg`, turned));
      expect(Math.abs(Math.abs(face.quality.roll) - turn)).toBeLessThan(20);
      expect(face.quality.interocularPx).toBeCloseTo(upright.quality.interocularPx, -1);
    }
  });

  it('scores two photos of one person above two photos of different people', async () => {
    const [a1, a2, b1] = await Promise.all([
      analyze('salley1.jpg', john('John_Salley', 0)),
      analyze('salley2.jpg', john('John_Salley', 3)),
      analyze('simm.jpg', john('John_Simm', 0)),
    ]);
    for (const { id } of pipeline.embeddingModels) {
      const v = (a: PhotoAnalysis) => primaryOf(a).embeddings[id] as Float32Array;
      expect(dot(v(a1), v(a2))).toBeGreaterThan(dot(v(a1), v(b1)));
    }
  });

  it('throws a UserError naming the file for unreadable input', async () => {
    await expect(analyze('notes.jpg', Buffer.from('not a photo'))).rejects.toThrow('notes.jpg: not an image');
  });
});
