import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { facedata } from '../../test/support/paths.js';

/**
 * A patient photo made at test time: a real face from the shared photos, set into a larger synthetic
 * scene (so the detector has to find it), written to the test's temporary folder only.
 */
export async function composePatientPhoto(out: string): Promise<Buffer> {
  const source = facedata('down_syndrome_kaggle', 'down_syndrome', 'down_10.jpg');
  const face = await sharp(source).resize(300, 300).toBuffer();
  const jpeg = await sharp({
    create: { width: 640, height: 480, channels: 3, background: { r: 92, g: 110, b: 128 } },
  })
    .composite([{ input: face, left: 190, top: 90 }])
    .jpeg({ quality: 92 })
    .toBuffer();
  writeFileSync(out, jpeg);
  return jpeg;
}

/**
 * A small gallery folder (one sub-folder per label) from the shared photos, in the test's temporary folder:
 * `perLabel` photos of each label after the first `skip` (so that two galleries share no patient).
 */
export function makeGallery(dir: string, perLabel: number, skip = 0): number {
  const labels = { down_syndrome: 'down_syndrome', healthy_control: 'healthy_control' };
  let n = 0;
  for (const [label, folder] of Object.entries(labels)) {
    mkdirSync(join(dir, label), { recursive: true });
    const files = readdirSync(facedata('down_syndrome_kaggle', folder))
      .filter((f) => f.endsWith('.jpg') && f !== 'down_10.jpg')
      .sort()
      .slice(skip, skip + perLabel);
    for (const f of files) {
      copyFileSync(facedata('down_syndrome_kaggle', folder, f), join(dir, label, f));
      n++;
    }
  }
  return n;
}
