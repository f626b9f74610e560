import { useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { SpaceView } from '../../../shared/api.js';
import { byNumbers, colourOf } from '../../../shared/palette.js';
import { errorMessage } from '../api.js';
import { counted } from '../components/counted.js';
import { ErrorBox, Loading } from '../components/Notice.js';
import { dataUrl } from '../components/files.js';
import { keys } from '../data/queries.js';

type Space = SpaceView['spaces'][number];
type Point = Space['points'][number];
type Partition = Space['clusters']['dbscan'];

const colourings = {
  label: 'syndrome',
  sex: 'sex',
  ageBand: 'age band',
  dbscan: 'DBSCAN cluster',
  agglomerative: 'average-linkage cluster',
} as const;
type Colouring = keyof typeof colourings;

export interface AnalysisScreenProps {
  /** The Service's analysis of the gallery ('analysis.space'). */
  load: (input: { seed: number }) => Promise<SpaceView>;
  /** Opens a gallery case, when a point is clicked. */
  openCase?: (patient: string) => void;
}

/**
 * The learnt face space for researchers: an interactive map (UMAP or PCA, raw or learnt space, coloured
 * by syndrome, sex, age band or cluster; hover a point to see the case), the clusters against the labels,
 * and each syndrome's average face beside its matched controls'.
 */
export function AnalysisScreen({ load, openCase }: AnalysisScreenProps) {
  const [seed, setSeed] = useState(1);
  // A job over the whole gallery: kept until the gallery or the learnt space changes.
  const analysis = useQuery({
    queryKey: keys.space(seed),
    queryFn: () => load({ seed }),
    staleTime: Infinity,
  });
  // The last map stays while another seed is computed, and when that fails, so the seed can be changed.
  const [lastMap, setLastMap] = useState<SpaceView | undefined>(undefined);
  if (analysis.data && analysis.data !== lastMap) setLastMap(analysis.data);
  const data = analysis.data ?? lastMap;
  const [spaceName, setSpaceName] = useState<Space['space']>('raw');
  const [projection, setProjection] = useState<'umap' | 'pca'>('umap');
  const [colouring, setColouring] = useState<Colouring>('label');
  const space = data?.spaces.find((s) => s.space === spaceName) ?? data?.spaces[0];
  return (
    <section>
      <h1>Face space</h1>
      <ErrorBox error={errorMessage(analysis.error)} />
      {analysis.isPending && !data && <Loading what="the analysis of the gallery" />}
      {data && space && (
        <>
          <p className="muted" data-testid="analysis-provenance">
            Model {data.model}, gallery version {data.galleryVersion}, seed {data.seed}, FacePheno{' '}
            {data.appVersion}. {space.space} space: {space.note}.
          </p>
          <div className="toolbar">
            <label>
              Space{' '}
              <select value={space.space} onChange={(e) => setSpaceName(e.target.value as Space['space'])}>
                {data.spaces.map((s) => (
                  <option key={s.space}>{s.space}</option>
                ))}
              </select>
            </label>
            <label>
              Map{' '}
              <select value={projection} onChange={(e) => setProjection(e.target.value as 'umap' | 'pca')}>
                <option value="umap">UMAP</option>
                <option value="pca">PCA</option>
              </select>
            </label>
            <label>
              Colour by{' '}
              <select value={colouring} onChange={(e) => setColouring(e.target.value as Colouring)}>
                {Object.entries(colourings).map(([k, v]) => (
                  <option key={k} value={k}>
                    {v}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Seed{' '}
              <input
                type="number"
                min={0}
                value={seed}
                onChange={(e) => setSeed(Math.max(0, Math.floor(Number(e.target.value) || 0)))}
              />
            </label>
          </div>
          <SpaceMap space={space} projection={projection} colouring={colouring} openCase={openCase} />
          {projection === 'pca' && (
            <p className="muted">
              PCA axes explain {space.pcaExplained.map((v) => `${(100 * v).toFixed(1)}%`).join(' and ')} of
              the variance.
            </p>
          )}
          {space.placement && (
            <p data-testid="placement">
              {space.placement.patient} sits among{' '}
              {space.placement.neighbours
                .slice(0, 5)
                .map((n) => `${n.patient} (${n.label}, ${n.similarity.toFixed(2)})`)
                .join(', ')}
              .
            </p>
          )}
          <div className="columns">
            <ClusterTable title="Density clusters (DBSCAN)" p={space.clusters.dbscan} />
            <ClusterTable title="Average-linkage clusters" p={space.clusters.agglomerative} />
          </div>
          <h2>Average faces</h2>
          {data.averages.length === 0 && <p className="muted">No syndrome with mesh landmarks to average.</p>}
          {data.averages.map((a) => (
            <figure key={a.label} className="panel">
              <img src={dataUrl('image/png', a.png)} alt={`average face of ${a.label}`} />
              <figcaption className="muted">
                {a.label}: {a.cases} cases beside {a.controls} sex- and age-matched controls; mean landmark
                displacement {a.meanDisplacementPx.toFixed(1)} px on a 256 px face.
              </figcaption>
            </figure>
          ))}
        </>
      )}
    </section>
  );
}

const categoryOf = (p: Point, c: Colouring) =>
  c === 'dbscan' || c === 'agglomerative' ? (p[c] < 0 ? 'noise' : `cluster ${p[c]}`) : p[c];

function SpaceMap({
  space,
  projection,
  colouring,
  openCase,
}: {
  space: Space;
  projection: 'umap' | 'pca';
  colouring: Colouring;
  openCase: ((patient: string) => void) | undefined;
}) {
  const [hover, setHover] = useState<Point | null>(null);
  const width = 720;
  const height = 520;
  const pad = 16;
  const { scale, categories } = useMemo(() => {
    const xs = space.points.map((p) => p[projection][0]);
    const ys = space.points.map((p) => p[projection][1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    return {
      scale: (x: number, y: number): [number, number] => [
        pad + ((x - x0) / (x1 - x0 || 1)) * (width - 2 * pad),
        pad + (1 - (y - y0) / (y1 - y0 || 1)) * (height - 2 * pad),
      ],
      categories: [...new Set(space.points.map((p) => categoryOf(p, colouring)))].sort(byNumbers),
    };
  }, [space, projection, colouring]);
  // The placement was computed on the UMAP map only.
  const mark = projection === 'umap' && space.placement ? scale(space.placement.x, space.placement.y) : null;
  return (
    <div className="columns">
      <svg
        className="plot"
        width={width}
        height={height}
        role="img"
        aria-label={`${projection.toUpperCase()} map of ${space.points.length} gallery faces`}
        data-testid="space-map"
      >
        <rect className="axes" width={width} height={height} />
        {space.points.map((p, i) => {
          const [cx, cy] = scale(p[projection][0], p[projection][1]);
          return (
            <circle
              key={i}
              cx={cx}
              cy={cy}
              r={hover === p ? 6 : 3.5}
              fill={colourOf(categories.indexOf(categoryOf(p, colouring)))}
              fillOpacity={0.8}
              onMouseEnter={() => setHover(p)}
              onMouseLeave={() => setHover((h) => (h === p ? null : h))}
              onClick={() => openCase?.(p.patient)}
              style={openCase ? { cursor: 'pointer' } : undefined}
            />
          );
        })}
        {mark && (
          <path
            d={`M${mark[0] - 8},${mark[1]}h16M${mark[0]},${mark[1] - 8}v16`}
            stroke="#d00"
            strokeWidth={3}
          />
        )}
      </svg>
      <div>
        <ul className="plain" data-testid="space-legend">
          {categories.map((c, k) => (
            <li key={c}>
              <span style={{ color: colourOf(k) }}>●</span> {c} (
              {space.points.filter((p) => categoryOf(p, colouring) === c).length})
            </li>
          ))}
        </ul>
        <div className="panel" data-testid="space-hover" aria-live="polite">
          {hover ? (
            <>
              <strong>{hover.patient}</strong>
              <div>{hover.label}</div>
              <div className="muted">
                {hover.sex}, {hover.ageBand}; DBSCAN {hover.dbscan < 0 ? 'noise' : `cluster ${hover.dbscan}`},
                average linkage cluster {hover.agglomerative}
              </div>
            </>
          ) : (
            <span className="muted">Hover a point to see the case.</span>
          )}
        </div>
      </div>
    </div>
  );
}

function ClusterTable({ title, p }: { title: string; p: Partition }) {
  return (
    <div className="panel">
      <h3>{title}</h3>
      <p>
        {counted(p.clusters, 'cluster')}
        {p.noise ? `, ${counted(p.noise, 'face')} left as noise` : ''}; adjusted Rand index{' '}
        {p.adjustedRandIndex.toFixed(3)}, normalised mutual information{' '}
        {p.normalisedMutualInformation.toFixed(3)}, purity {p.overallPurity.toFixed(3)}.
      </p>
      <table className="plain">
        <thead>
          <tr>
            <th>Cluster</th>
            <th>Faces</th>
            <th>Majority (purity)</th>
            <th>Labels</th>
          </tr>
        </thead>
        <tbody>
          {p.perCluster.map((c) => (
            <tr key={c.cluster}>
              <td>{c.cluster}</td>
              <td>{c.size}</td>
              <td>
                {c.majority} ({(100 * c.purity).toFixed(0)}%)
              </td>
              <td>{c.labels.map((l) => `${l.label} ${l.count}`).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {p.shared.length > 0 && (
        <p className="muted">
          Sharing clusters:{' '}
          {p.shared.map((s) => `${s.labels.join(' & ')} (${s.clusters.join(', ')})`).join('; ')}
        </p>
      )}
    </div>
  );
}
