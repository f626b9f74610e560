import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { UsageError, UserError } from '../../main/errors.js';
import {
  analyzePhotos,
  photoFiles,
  type DetectedFace,
  type EyeMeasurements,
  type Outcome,
} from '../../main/usecases/faces.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { printable } from '../printable.js';
import { JsonArrayOut, writeOut } from '../stream-out.js';

const usage = `Usage: facepheno analyze IMAGE|DIR... [--json] [--save-aligned DIR]

Finds the faces in each photo (a folder: every photo in it and its subfolders), picks the primary face
(largest, most central), and measures each face: box, detector score, the five alignment points (eye
centres, nose tip, mouth corners), inter-ocular distance, yaw/pitch/roll, blur, exposure, quality flags,
and the eye distances by which hypertelorism is judged (interpupillary, inner and outer canthal, in pixels
and as ratios of the outer canthal width).
A photo that cannot be read is reported as that photo's error; the others are still analysed.

Options:
  --json               print one JSON document:
                       {images: [{file, faces: [{box, score, points5, quality, measurements}],
                         primary, error}]}
  --save-aligned DIR   write each primary face, aligned to the ArcFace 112x112 template, as DIR/<name>.png

Exit code 0 when at least one photo was analysed, 1 when none could be.`;

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

function faceJson(f: DetectedFace) {
  const q = f.quality;
  return {
    box: {
      x: round(f.box.x, 1),
      y: round(f.box.y, 1),
      width: round(f.box.width, 1),
      height: round(f.box.height, 1),
    },
    score: round(f.score, 3),
    points5: f.points5.map(([x, y]) => [round(x, 1), round(y, 1)]),
    quality: {
      interocularPx: round(q.interocularPx, 1),
      yaw: round(q.yaw, 1),
      pitch: round(q.pitch, 1),
      roll: round(q.roll, 1),
      blur: round(q.blur, 1),
      exposure: round(q.exposure, 3),
      flags: q.flags,
    },
    measurements: f.measurements ? measurementsJson(f.measurements) : null,
  };
}

function measurementsJson(m: EyeMeasurements) {
  return {
    interpupillaryPx: round(m.interpupillaryPx, 1),
    innerCanthalPx: round(m.innerCanthalPx, 1),
    outerCanthalPx: round(m.outerCanthalPx, 1),
    interpupillaryRatio: round(m.interpupillaryRatio, 3),
    innerCanthalRatio: round(m.innerCanthalRatio, 3),
  };
}

function describe(o: Outcome): string {
  if (o.error !== null) return printable`${o.file}: error: ${o.error}`;
  const { faces, primary } = o.analysis;
  if (primary === null) return printable`${o.file}: no face found`;
  const p = faces[primary] as DetectedFace;
  const q = p.quality;
  const others =
    faces.length > 1 ? printable` (+${faces.length - 1} other face${faces.length > 2 ? 's' : ''})` : '';
  return (
    printable`${o.file}: face at ${Math.round(p.box.x)},${Math.round(p.box.y)} ${Math.round(p.box.width)}x${Math.round(p.box.height)}` +
    printable`${others}; eyes ${Math.round(q.interocularPx)} px apart, yaw ${Math.round(q.yaw)}°, pitch ${Math.round(q.pitch)}°,` +
    printable` roll ${Math.round(q.roll)}°, blur ${Math.round(q.blur)}, exposure ${q.exposure.toFixed(2)}` +
    (p.measurements
      ? printable`; pupils ${Math.round(p.measurements.interpupillaryPx)} px apart, inner canthal` +
        printable` ${p.measurements.innerCanthalRatio.toFixed(2)} and interpupillary` +
        printable` ${p.measurements.interpupillaryRatio.toFixed(2)} of the outer canthal width`
      : '') +
    (q.flags.length ? printable`; ${q.flags.join(', ')}` : '')
  );
}

/** Output names for the aligned faces: the photo's name, numbered when two photos share it. */
function alignedNames(files: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const stem = basename(f, extname(f));
    const n = (seen.get(stem) ?? 0) + 1;
    seen.set(stem, n);
    return n === 1 ? `${stem}.png` : `${stem}-${n}.png`;
  });
}

export const command: Command = {
  summary: 'find, align and measure the faces in photos',
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      json: { type: 'boolean' },
      'save-aligned': { type: 'string' },
    });
    if (positionals.length === 0) throw new UsageError('name at least one photo or folder');
    const files = photoFiles(positionals);
    const saveDir = values['save-aligned'];
    if (saveDir !== undefined) {
      try {
        mkdirSync(saveDir, { recursive: true });
      } catch (err) {
        throw new UserError(`cannot create the folder (${(err as Error).message})`, { file: saveDir });
      }
    }
    const names = alignedNames(files);
    // Each photo is written as it comes: a folder of thousands of photos holds none of them.
    const json = values.json ? await JsonArrayOut.open({}, 'images') : null;
    let failed = 0;
    let lastError: string | null = null;
    await analyzePhotos(files, async (o, i) => {
      if (saveDir !== undefined && o.analysis?.aligned)
        writeFileSync(join(saveDir, names[i] as string), o.analysis.aligned);
      if (o.error !== null) {
        failed++;
        lastError = o.error;
      }
      await (json
        ? json.item({
            file: o.file,
            faces: o.analysis ? o.analysis.faces.map(faceJson) : [],
            primary: o.analysis ? o.analysis.primary : null,
            error: o.error,
          })
        : writeOut(`${describe(o)}\n`));
    });
    await json?.close();
    if (failed === files.length) {
      console.error(
        printable`facepheno analyze: no photo could be analysed${files.length === 1 ? printable` (${lastError})` : ''}`,
      );
      return 1;
    }
    return 0;
  },
};
