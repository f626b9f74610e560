import sharp from 'sharp';
import type { Layout } from './layout.js';
import { byNumbers, colourOf, escapeXml, svgDocument } from './svg.js';

export interface ScatterOptions {
  title: string;
  /** Category per point (syndrome, sex or age band). */
  categories: readonly string[];
  /** Extra points drawn on top, e.g. a patient placed on the map. */
  marks?: { x: number; y: number; label: string }[];
  width?: number;
  height?: number;
}

/** The map as a figure: points coloured by category, a legend with counts; SVG rendered to PNG. */
export function scatterSvg(layout: Layout, o: ScatterOptions): string {
  const width = o.width ?? 960;
  const height = o.height ?? 720;
  const legendWidth = 260;
  const pad = 30;
  const n = layout.coords.length / 2;
  const xs = Array.from({ length: n }, (_, i) => layout.coords[2 * i] as number);
  const ys = Array.from({ length: n }, (_, i) => layout.coords[2 * i + 1] as number);
  for (const m of o.marks ?? []) {
    xs.push(m.x);
    ys.push(m.y);
  }
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const plotW = width - legendWidth - 2 * pad;
  const plotH = height - 2 * pad - 20;
  const sx = (x: number) => pad + ((x - x0) / (x1 - x0 || 1)) * plotW;
  const sy = (y: number) => pad + 20 + (1 - (y - y0) / (y1 - y0 || 1)) * plotH;
  const names = [...new Set(o.categories)].sort(byNumbers);
  const counts = new Map<string, number>();
  for (const c of o.categories) counts.set(c, (counts.get(c) ?? 0) + 1);
  const radius = n > 2000 ? 1.5 : n > 500 ? 2.5 : 3.5;
  const parts: string[] = [`<rect width="${width}" height="${height}" fill="#ffffff"/>`];
  parts.push(
    `<text x="${pad}" y="${pad}" font-family="sans-serif" font-size="16" fill="#222">${escapeXml(o.title)}</text>`,
  );
  // Largest categories first, so small ones stay visible on top.
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) =>
      (counts.get(o.categories[b] as string) ?? 0) - (counts.get(o.categories[a] as string) ?? 0) || a - b,
  );
  for (const i of order) {
    const colour = colourOf(names.indexOf(o.categories[i] as string));
    parts.push(
      `<circle cx="${sx(xs[i] as number).toFixed(1)}" cy="${sy(ys[i] as number).toFixed(1)}" r="${radius}" fill="${colour}" fill-opacity="0.75"/>`,
    );
  }
  for (const m of o.marks ?? []) {
    const [cx, cy] = [sx(m.x), sy(m.y)];
    parts.push(
      `<path d="M${cx - 7},${cy}L${cx + 7},${cy}M${cx},${cy - 7}L${cx},${cy + 7}" stroke="#d00" stroke-width="3"/>`,
      `<text x="${cx + 9}" y="${cy - 9}" font-family="sans-serif" font-size="13" fill="#d00">${escapeXml(m.label)}</text>`,
    );
  }
  const lx = width - legendWidth + 10;
  names.forEach((name, k) => {
    const y = pad + 30 + k * 22;
    parts.push(
      `<circle cx="${lx}" cy="${y - 4}" r="6" fill="${colourOf(k)}"/>`,
      `<text x="${lx + 14}" y="${y}" font-family="sans-serif" font-size="13" fill="#222">${escapeXml(
        `${name} (${counts.get(name)})`,
      )}</text>`,
    );
  });
  return svgDocument(width, height, parts.join(''));
}

export function scatterPng(layout: Layout, o: ScatterOptions): Promise<Buffer> {
  return sharp(Buffer.from(scatterSvg(layout, o)))
    .png()
    .toBuffer();
}
