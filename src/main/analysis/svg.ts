/** Small helpers for the SVG figures rendered to PNG with sharp. */

// The figures and the app's interactive map colour categories alike.
export { byNumbers, colourOf, palette } from '../../shared/palette.js';

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`,
  );
}

export const svgDocument = (width: number, height: number, body: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body}</svg>`;

/** An arrow from (x1, y1) to (x2, y2) with a small head, as one path. */
export function arrow(x1: number, y1: number, x2: number, y2: number, colour: string, width = 1.2): string {
  const len = Math.hypot(x2 - x1, y2 - y1);
  if (len < 0.5) return `<circle cx="${x1.toFixed(1)}" cy="${y1.toFixed(1)}" r="0.8" fill="${colour}"/>`;
  const ux = (x2 - x1) / len;
  const uy = (y2 - y1) / len;
  const head = Math.min(4, len * 0.5);
  const hx1 = x2 - head * (ux - 0.5 * uy);
  const hy1 = y2 - head * (uy + 0.5 * ux);
  const hx2 = x2 - head * (ux + 0.5 * uy);
  const hy2 = y2 - head * (uy - 0.5 * ux);
  const f = (v: number) => v.toFixed(1);
  return `<path d="M${f(x1)},${f(y1)}L${f(x2)},${f(y2)}M${f(hx1)},${f(hy1)}L${f(x2)},${f(y2)}L${f(hx2)},${f(hy2)}" stroke="${colour}" stroke-width="${width}" fill="none" stroke-linecap="round"/>`;
}
