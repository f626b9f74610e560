import { useRef, useState, type DragEvent } from 'react';
import type { CaseDetail, FileSource, Photo } from '../../../shared/api.js';
import { api, errorText } from '../api.js';
import { FaceView, meshPoints, viewAround } from '../components/FaceView.js';
import { ErrorBox, Loading } from '../components/Notice.js';
import { dataUrl, fileToBase64 } from '../components/files.js';
import { useAsync } from '../components/useAsync.js';
import { hasFileDialog } from '../host.js';
import type { Go } from '../route.js';
import { Variants } from './Variants.js';

export function CaseScreen({ id, go }: { id: string; go: Go }) {
  const detail = useAsync(() => api.call('cases.get', { id }), id);
  if (!detail.data) return detail.error ? <ErrorBox error={detail.error} /> : <Loading what="the case" />;
  const c = detail.data;
  const analysed = c.photos.some((p) => p.faces.some((f) => f.primary));
  return (
    <section>
      <div className="heading">
        <h1>Case {c.id}</h1>
        <span className="muted">
          {c.sex}
          {c.birthYear !== null ? `, born ${c.birthYear}` : ''}
        </span>
        <button disabled={!analysed} onClick={() => go({ screen: 'matches', caseId: c.id })}>
          Matches
        </button>
      </div>
      <Photos detail={c} onChange={detail.set} />
      <Notes detail={c} onChange={detail.set} />
      <div className="columns">
        <Terms detail={c} onChange={detail.set} />
        <Diagnoses detail={c} onChange={detail.set} />
      </div>
      <Variants caseId={c.id} />
    </section>
  );
}

/**
 * The case's notes, saved with the version the user was shown: a save over another workstation's change
 * is refused with who made it, and the user reloads to see it before saving again.
 */
function Notes({ detail, onChange }: { detail: CaseDetail; onChange: (c: CaseDetail) => void }) {
  const [text, setText] = useState(detail.notes);
  const [shown, setShown] = useState(detail.updatedAt);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Another screen's change to this case (a photo, a term) brings a newer version with the same notes.
  if (shown !== detail.updatedAt && text === detail.notes) setShown(detail.updatedAt);

  async function save() {
    setBusy(true);
    try {
      const saved = await api.call('cases.update', { id: detail.id, updatedAt: shown, notes: text });
      setShown(saved.updatedAt);
      setError(null);
      setDraft(null);
      onChange(saved);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
  async function reload() {
    const fresh = await api.call('cases.get', { id: detail.id });
    // The saved notes come back; what the user typed stays on screen to be merged by hand, never dropped.
    setDraft(text);
    setText(fresh.notes);
    setShown(fresh.updatedAt);
    setError(null);
    onChange(fresh);
  }
  return (
    <div className="panel">
      <h2>Notes</h2>
      <textarea aria-label="Case notes" rows={3} value={text} onChange={(e) => setText(e.target.value)} />
      <div className="toolbar">
        <button onClick={() => void save()} disabled={busy || text === detail.notes}>
          Save notes
        </button>
        {error && (
          <button className="link" onClick={() => void reload()}>
            Reload the case
          </button>
        )}
      </div>
      <ErrorBox error={error} />
      {draft !== null && draft !== text && (
        <p className="muted" data-testid="unsaved-notes">
          Your unsaved notes: {draft}
        </p>
      )}
    </div>
  );
}

function Photos({ detail, onChange }: { detail: CaseDetail; onChange: (c: CaseDetail) => void }) {
  const [busy, setBusy] = useState(false);
  const [messages, setMessages] = useState<string[]>([]);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  async function add(files: FileSource[]) {
    setBusy(true);
    setMessages([]);
    try {
      const r = await api.call('photos.add', { caseId: detail.id, files });
      onChange(r.case);
      setMessages(r.results.filter((x) => x.error !== null).map((x) => x.error as string));
    } catch (err) {
      setMessages([errorText(err)]);
    } finally {
      setBusy(false);
    }
  }
  async function addLocal(list: FileList | null) {
    if (!list || list.length === 0) return;
    // The last photos' messages go as soon as these are picked, not once they are read.
    setMessages([]);
    const files = await Promise.all(
      [...list].map(async (f): Promise<FileSource> => ({
        kind: 'bytes',
        name: f.name,
        data: await fileToBase64(f),
      })),
    );
    await add(files);
  }
  async function choose() {
    if (!hasFileDialog) return input.current?.click();
    const picked = await api.call('files.open', { kind: 'images' });
    if (picked.files.length > 0) await add(picked.files.map((f) => ({ kind: 'token', token: f.token })));
  }
  function drop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    void addLocal(e.dataTransfer.files);
  }

  return (
    <div
      className={over ? 'dropzone over' : 'dropzone'}
      data-testid="photo-dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={drop}
    >
      <div className="toolbar">
        <h2>Photos</h2>
        <button onClick={() => void choose()} disabled={busy}>
          Add photos…
        </button>
        <input
          ref={input}
          type="file"
          accept="image/*"
          multiple
          hidden
          aria-label="Photo files"
          onChange={(e) => void addLocal(e.target.files)}
        />
        <span className="muted">{busy ? 'Finding and measuring the face…' : 'or drop photos here'}</span>
      </div>
      {messages.map((m) => (
        <ErrorBox key={m} error={m} />
      ))}
      <div className="photos">
        {detail.photos.map((p) => (
          <PhotoCard key={p.id} photo={p} />
        ))}
      </div>
    </div>
  );
}

function PhotoCard({ photo }: { photo: Photo }) {
  const original = useAsync(
    () => api.call('photos.image', { photoId: photo.id, kind: 'original' }),
    photo.id,
  );
  const aligned = useAsync(
    () =>
      photo.hasAligned
        ? api.call('photos.image', { photoId: photo.id, kind: 'aligned' })
        : Promise.resolve(null),
    photo.id,
  );
  const face = photo.faces.find((f) => f.primary);
  return (
    <figure className="photo" data-testid="photo">
      {original.data && (
        <FaceView
          src={dataUrl(original.data.mime, original.data.data)}
          width={photo.width}
          height={photo.height}
          view={face ? viewAround(face.box, photo.width, photo.height) : undefined}
          box={face?.box}
          points5={face?.points5}
          landmarks={meshPoints(face?.mesh ?? null)}
          size={260}
          label={`${photo.file} with landmarks`}
        />
      )}
      {aligned.data && (
        <img
          className="aligned"
          src={dataUrl(aligned.data.mime, aligned.data.data)}
          width={112}
          height={112}
          alt={`${photo.file}, aligned face`}
        />
      )}
      <figcaption>
        <div className="filename">{photo.file}</div>
        {face ? (
          <div data-testid="quality">
            <span className="muted">
              eyes {face.quality.interocularPx.toFixed(0)} px apart, yaw {face.quality.yaw.toFixed(0)}°, pitch{' '}
              {face.quality.pitch.toFixed(0)}°, roll {face.quality.roll.toFixed(0)}°
            </span>
            {face.measurements && (
              <div className="muted" data-testid="eye-measurements">
                interpupillary {face.measurements.interpupillaryPx.toFixed(1)} px (
                {face.measurements.interpupillaryRatio.toFixed(2)} × outer canthal), inner canthal{' '}
                {face.measurements.innerCanthalPx.toFixed(1)} px (
                {face.measurements.innerCanthalRatio.toFixed(2)} × outer canthal), outer canthal{' '}
                {face.measurements.outerCanthalPx.toFixed(1)} px
              </div>
            )}
            <div className="flags">
              {face.quality.flags.length === 0 ? (
                <span className="flag ok">good quality</span>
              ) : (
                face.quality.flags.map((f) => (
                  <span key={f} className="flag">
                    {f}
                  </span>
                ))
              )}
            </div>
            {photo.faces.length > 1 && (
              <div className="muted">{photo.faces.length} faces; the largest, most central is used</div>
            )}
          </div>
        ) : (
          <div className="flag">no face found</div>
        )}
      </figcaption>
    </figure>
  );
}

function Terms({ detail, onChange }: { detail: CaseDetail; onChange: (c: CaseDetail) => void }) {
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);
  const found = useAsync(
    () =>
      query.trim().length < 2
        ? Promise.resolve({ terms: [] })
        : api.call('terms.search', { query, limit: 12 }),
    query,
  );
  async function set(termId: string, status: 'present' | 'excluded' | null) {
    try {
      onChange(await api.call('cases.setTerm', { caseId: detail.id, termId, status }));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }
  return (
    <div className="panel">
      <h2>Phenotype (HPO)</h2>
      <ul className="terms">
        {detail.terms.map((t) => (
          <li key={t.id} className={t.status}>
            <span>
              {t.status === 'excluded' ? 'no ' : ''}
              {t.name} <span className="muted">{t.id}</span>
            </span>
            <button className="link" onClick={() => void set(t.id, null)}>
              remove
            </button>
          </li>
        ))}
      </ul>
      <input
        type="search"
        aria-label="Search HPO terms"
        placeholder="Search terms by name, synonym or HP id"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      <ErrorBox error={found.error ?? error} />
      <ul className="results">
        {found.data?.terms.map((t) => (
          <li key={t.id}>
            <span>
              {t.name} <span className="muted">{t.id}</span>
            </span>
            <button className="link" onClick={() => void set(t.id, 'present')}>
              present
            </button>
            <button className="link" onClick={() => void set(t.id, 'excluded')}>
              excluded
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Diagnoses({ detail, onChange }: { detail: CaseDetail; onChange: (c: CaseDetail) => void }) {
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);
  const found = useAsync(
    () =>
      query.trim() === ''
        ? Promise.resolve({ syndromes: [] })
        : api.call('syndromes.search', { query, limit: 10 }),
    query,
  );
  async function set(syndromeId: string, status: 'confirmed' | 'suspected' | 'excluded') {
    try {
      onChange(await api.call('cases.setDiagnosis', { caseId: detail.id, syndromeId, status }));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }
  return (
    <div className="panel">
      <h2>Diagnosis</h2>
      <ul className="terms">
        {detail.diagnoses.map((d) => (
          <li key={d.syndromeId}>
            {d.name} <span className="muted">{d.status}</span>
            {d.gene && <span className="muted"> ({d.gene})</span>}
          </li>
        ))}
      </ul>
      <input
        type="search"
        aria-label="Search syndromes"
        placeholder="Search syndromes"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      <ErrorBox error={found.error ?? error} />
      <ul className="results">
        {found.data?.syndromes.map((s) => (
          <li key={s.id}>
            <span>{s.name}</span>
            {(['suspected', 'confirmed', 'excluded'] as const).map((status) => (
              <button key={status} className="link" onClick={() => void set(s.id, status)}>
                {status}
              </button>
            ))}
          </li>
        ))}
      </ul>
    </div>
  );
}
