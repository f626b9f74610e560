type Pt = readonly [number, number];

export interface FaceViewProps {
  /** Image as a data: URL, and its size in pixels (the coordinate frame of every point below). */
  src: string;
  width: number;
  height: number;
  /** Part of the image to show, in its pixels; all of it when absent. */
  view?: { x: number; y: number; width: number; height: number };
  box?: { x: number; y: number; width: number; height: number };
  points5?: readonly Pt[];
  landmarks?: readonly Pt[];
  size: number;
  label: string;
}

/** An image with the face box and landmarks drawn over it, in the image's own pixel frame. */
export function FaceView({ src, width, height, view, box, points5, landmarks, size, label }: FaceViewProps) {
  const v = view ?? { x: 0, y: 0, width, height };
  const r = Math.max(v.width, v.height) / 250;
  return (
    <svg
      className="faceview"
      role="img"
      aria-label={label}
      width={size}
      height={(size * v.height) / v.width}
      viewBox={`${v.x} ${v.y} ${v.width} ${v.height}`}
    >
      <image href={src} x={0} y={0} width={width} height={height} />
      {box && (
        <rect x={box.x} y={box.y} width={box.width} height={box.height} className="facebox" strokeWidth={r} />
      )}
      {landmarks?.map(([x, y], i) => (
        <circle key={`m${i}`} cx={x} cy={y} r={r * 0.9} className="mesh" />
      ))}
      {points5?.map(([x, y], i) => (
        <circle key={`p${i}`} cx={x} cy={y} r={r * 2.2} className="point5" />
      ))}
    </svg>
  );
}

/** Flat mesh [x, y, x, y, ...] as points. */
export function meshPoints(mesh: readonly number[] | null): Pt[] {
  const out: Pt[] = [];
  if (!mesh) return out;
  for (let i = 0; i + 1 < mesh.length; i += 2) out.push([mesh[i] as number, mesh[i + 1] as number]);
  return out;
}

/** A square view around a face box with a margin, clipped to the image. */
export function viewAround(
  box: { x: number; y: number; width: number; height: number },
  width: number,
  height: number,
): { x: number; y: number; width: number; height: number } {
  const side = Math.min(Math.max(box.width, box.height) * 1.6, Math.max(width, height));
  const x = Math.max(0, Math.min(width - side, box.x + box.width / 2 - side / 2));
  const y = Math.max(0, Math.min(height - side, box.y + box.height / 2 - side / 2));
  return { x, y, width: Math.min(side, width), height: Math.min(side, height) };
}
