import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { EvaluationReport } from '../../../shared/api.js';
import { api, errorMessage, upload as uploadFile } from '../api.js';
import { JobStatus } from '../components/JobStatus.js';
import { ErrorBox, Loading } from '../components/Notice.js';
import { fileToBase64 } from '../components/files.js';
import { useJob } from '../components/useJob.js';
import { counted } from '../components/counted.js';
import { appInfoQuery, caseListQuery } from '../data/queries.js';
import { hasFileDialog } from '../host.js';

/** The gallery's labels (read again once an import is done: data/client.ts), and the model's jobs. */
export function GalleryScreen() {
  const info = useQuery(appInfoQuery());
  return (
    <section>
      <h1>Gallery & model</h1>
      <ErrorBox error={errorMessage(info.error)} />
      {info.data ? (
        <table className="plain" data-testid="gallery-labels">
          <thead>
            <tr>
              <th>Label</th>
              <th>Patients</th>
              <th>Photos</th>
            </tr>
          </thead>
          <tbody>
            {info.data.gallery.labels.map((l) => (
              <tr key={l.label}>
                <td>
                  {l.label}
                  {l.isControl && <span className="muted"> (controls)</span>}
                </td>
                <td>{l.patients}</td>
                <td>{l.photos}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Loading what="the gallery" />
      )}
      <Members />
      <Import />
      <Evaluate />
      <Train />
    </section>
  );
}

/** The gallery's own cases (reference cases), each opening read-only. */
function Members() {
  const [filter, setFilter] = useState('');
  const list = useQuery({ ...caseListQuery(filter, 'reference'), placeholderData: keepPreviousData });
  const rows = list.data?.rows ?? [];
  return (
    <div className="panel" data-testid="gallery-members">
      <div className="toolbar">
        <h2>Gallery cases</h2>
        <input
          type="search"
          aria-label="Search gallery cases"
          placeholder="Search by id or syndrome"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        <span className="muted">{list.data ? `${rows.length} of ${list.data.total}` : ''}</span>
      </div>
      <ErrorBox error={errorMessage(list.error)} />
      <div className="member-list">
        {rows.slice(0, 200).map((r) => (
          <Link key={r.id} to="/gallery/$caseId" params={{ caseId: r.id }} className="member">
            {r.id} <span className="muted">{r.diagnosis ?? ''}</span>
          </Link>
        ))}
      </div>
      {rows.length > 200 && <p className="muted">The first 200 are listed: search to find others.</p>}
    </div>
  );
}

function Import() {
  const job = useJob();
  const [controls, setControls] = useState('');
  const controlLabels = controls
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

  async function upload(list: FileList | null) {
    if (!list || list.length === 0) return;
    // The last folder's outcome goes as soon as this one is picked, not once its files are read.
    job.reset();
    // webkitRelativePath is 'chosen-folder/label/photo.jpg': the folder's own name is dropped.
    const pathOf = (f: File) => f.webkitRelativePath.split('/').slice(1).join('/') || f.name;
    await job.start(async () => {
      if (!uploadFile) {
        const files = await Promise.all(
          [...list].map(async (f) => ({ path: pathOf(f), data: await fileToBase64(f) })),
        );
        return api.call('gallery.import', { source: { kind: 'files', files }, controls: controlLabels });
      }
      // Under serve, file by file into one upload folder (each streamed from the disk), then imported.
      let folder: string | undefined;
      for (const f of list) folder = (await uploadFile(f, pathOf(f), folder)).folder;
      return api.call('gallery.import', {
        source: { kind: 'token', token: folder as string },
        controls: controlLabels,
      });
    });
  }
  async function chooseFolder() {
    const picked = await api.call('files.open', { kind: 'folder' });
    const folder = picked.files[0];
    if (folder) {
      await job.start(() =>
        api.call('gallery.import', {
          source: { kind: 'token', token: folder.token },
          controls: controlLabels,
        }),
      );
    }
  }
  const result = job.finished?.result;

  return (
    <div className="panel">
      <h2>Import a gallery</h2>
      <p className="muted">
        A folder with one sub-folder per syndrome (or gene) of confirmed cases; an optional metadata.csv with
        columns file,patient in a sub-folder groups photos by patient. Everything is imported, or nothing.
      </p>
      <div className="toolbar">
        <input
          aria-label="Control labels"
          placeholder="Labels of unaffected controls, comma-separated"
          value={controls}
          onChange={(e) => setControls(e.target.value)}
        />
        {hasFileDialog ? (
          <button disabled={job.running} onClick={() => void chooseFolder()}>
            Choose folder…
          </button>
        ) : (
          <input
            type="file"
            aria-label="Gallery folder"
            disabled={job.running}
            // A folder picker: the browser reads the files; the Service never sees a path from here.
            {...{ webkitdirectory: '' }}
            multiple
            onChange={(e) => void upload(e.target.files)}
          />
        )}
      </div>
      <JobStatus job={job} verb="Import" />
      {result?.kind === 'gallery.import' && (
        <div data-testid="import-result">
          Imported {counted(result.photos, 'photo')} of {counted(result.patients, 'patient')} in{' '}
          {counted(result.labels, 'label')}.
        </div>
      )}
    </div>
  );
}

function Evaluate() {
  const job = useJob();
  const [folds, setFolds] = useState(5);
  const result = job.finished?.result;
  return (
    <div className="panel">
      <h2>Evaluate</h2>
      <p className="muted">Patient-level cross-validation: no photo of a test patient is used in training.</p>
      <div className="toolbar">
        <label>
          folds{' '}
          <input
            type="number"
            min={2}
            max={20}
            value={folds}
            onChange={(e) => setFolds(Number(e.target.value))}
            aria-label="Folds"
          />
        </label>
        <button
          disabled={job.running}
          onClick={() => void job.start(() => api.call('model.evaluate', { folds }))}
        >
          Evaluate
        </button>
      </div>
      <JobStatus job={job} verb="Evaluation" />
      {result?.kind === 'model.evaluate' && <Report report={result.report} />}
    </div>
  );
}

function Train() {
  const job = useJob();
  const result = job.finished?.result;
  return (
    <div className="panel">
      <h2>Learn a face space</h2>
      <p className="muted">
        Trains a projection of the face embedding on the gallery&apos;s syndromes; it is used only where it
        beats the plain embedding in patient-level evaluation.
      </p>
      <button disabled={job.running} onClick={() => void job.start(() => api.call('model.train', {}))}>
        Train
      </button>
      <JobStatus job={job} verb="Training" />
      {result?.kind === 'model.train' && <p>{result.summary}</p>}
    </div>
  );
}

function Report({ report }: { report: EvaluationReport }) {
  return (
    <div className="report" data-testid="evaluation-report">
      <p className="muted">
        {report.folds}-fold by patient: {report.patients} patients, {report.images} images, model{' '}
        {report.model.id}.
      </p>
      <table className="plain">
        <tbody>
          {Object.entries(report.metrics).map(([name, m]) => (
            <tr key={name}>
              <td>{name}</td>
              <td>
                {m.value.toFixed(3)}{' '}
                <span className="muted">
                  (95% CI {m.low.toFixed(3)}–{m.high.toFixed(3)})
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Reliability bins={report.calibration} />
      <table className="plain">
        <thead>
          <tr>
            <th>Label</th>
            <th>Images</th>
            {Object.keys(report.perLabel[0]?.metrics ?? {}).map((k) => (
              <th key={k}>{k}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {report.perLabel.map((l) => (
            <tr key={l.label}>
              <td>{l.label}</td>
              <td>{l.images}</td>
              {Object.values(l.metrics).map((v, i) => (
                <td key={i}>{v.toFixed(3)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Reliability diagram: predicted probability against observed frequency; the diagonal is perfect calibration. */
function Reliability({ bins }: { bins: EvaluationReport['calibration'] }) {
  const s = 200;
  return (
    <svg
      className="plot"
      width={s + 40}
      height={s + 40}
      viewBox={`-30 -10 ${s + 40} ${s + 40}`}
      role="img"
      aria-label="Calibration plot"
    >
      <rect x={0} y={0} width={s} height={s} className="axes" />
      <line x1={0} y1={s} x2={s} y2={0} className="diagonal" />
      {bins
        .filter((b) => b.count > 0)
        .map((b, i) => (
          <circle
            key={i}
            cx={b.predicted * s}
            cy={s - b.observed * s}
            r={3 + Math.log10(b.count)}
            className="bin"
          />
        ))}
      <text x={s / 2} y={s + 22} textAnchor="middle">
        predicted
      </text>
      <text x={-18} y={s / 2} textAnchor="middle" transform={`rotate(-90 -18 ${s / 2})`}>
        observed
      </text>
    </svg>
  );
}
