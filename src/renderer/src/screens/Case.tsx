import { useRef, useState, type DragEvent } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import type { CaseDetail, Photo } from '../../../shared/api.js';
import { api, errorMessage, errorText } from '../api.js';
import { FaceView, meshPoints, viewAround } from '../components/FaceView.js';
import { ErrorBox, Loading } from '../components/Notice.js';
import { dataUrl } from '../components/files.js';
import { useDebounced } from '../components/useDebounced.js';
import { useAddPhotos, useCaseEdit } from '../data/mutations.js';
import { caseQuery, photoImageQuery, syndromeSearchQuery, termSearchQuery } from '../data/queries.js';
import { hasFileDialog } from '../host.js';
import { Variants } from './Variants.js';

/** Searches wait for the user to pause typing this long. */
const SEARCH_DEBOUNCE_MS = 250;

export function CaseScreen({ id }: { id: string }) {
  const detail = useQuery(caseQuery(id));
  const navigate = useNavigate();
  const c = detail.data;
  if (!c) return detail.error ? <ErrorBox error={errorText(detail.error)} /> : <Loading what="the case" />;
  const analysed = c.photos.some((p) => p.faces.some((f) => f.primary));
  return (
    <section>
      <div className="heading">
        <h1>Case {c.id}</h1>
        <span className="muted">
          {c.sex}
          {c.birthYear !== null ? `, born ${c.birthYear}` : ''}
        </span>
        <button
          disabled={!analysed}
          onClick={() => void navigate({ to: '/cases/$caseId/matches', params: { caseId: c.id } })}
        >
          Matches
        </button>
      </div>
      <Photos detail={c} />
      <Notes detail={c} />
      <div className="columns">
        <Terms detail={c} />
        <Diagnoses detail={c} />
      </div>
      <Variants caseId={c.id} />
    </section>
  );
}

/**
 * The case's notes, saved with the version the user was shown: a save over another workstation's change
 * is refused with who made it, and the user reloads to see it before saving again.
 */
function Notes({ detail }: { detail: CaseDetail }) {
  const client = useQueryClient();
  const update = useCaseEdit('cases.update');
  const [text, setText] = useState(detail.notes);
  const [shown, setShown] = useState(detail.updatedAt);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState<string | null>(null);
  // Another screen's change to this case (a photo, a term) brings a newer version with the same notes.
  if (shown !== detail.updatedAt && text === detail.notes) setShown(detail.updatedAt);

  async function save() {
    try {
      const saved = await update.mutateAsync({ id: detail.id, updatedAt: shown, notes: text });
      setShown(saved.updatedAt);
      setError(null);
      setDraft(null);
    } catch (err) {
      setError(errorText(err));
    }
  }
  async function reload() {
    try {
      const fresh = await client.fetchQuery({ ...caseQuery(detail.id), staleTime: 0 });
      // The saved notes come back; what the user typed stays on screen to be merged by hand, never dropped.
      setDraft(text);
      setText(fresh.notes);
      setShown(fresh.updatedAt);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }
  return (
    <div className="panel">
      <h2>Notes</h2>
      <textarea aria-label="Case notes" rows={3} value={text} onChange={(e) => setText(e.target.value)} />
      <div className="toolbar">
        <button onClick={() => void save()} disabled={update.isPending || text === detail.notes}>
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

function Photos({ detail }: { detail: CaseDetail }) {
  const add = useAddPhotos(detail.id);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  // The call's refusal, or each file it could not take.
  const messages = add.error
    ? [errorText(add.error)]
    : (add.data?.results.flatMap((x) => (x.error === null ? [] : [x.error])) ?? []);
  const busy = add.isPending;

  async function addLocal(list: FileList | null) {
    if (!list || list.length === 0) return;
    // The last photos' messages go as soon as these are picked, not once they are read.
    add.reset();
    add.mutate([...list]);
  }
  async function choose() {
    if (!hasFileDialog) return input.current?.click();
    const picked = await api.call('files.open', { kind: 'images' });
    if (picked.files.length > 0) add.mutate(picked.files.map((f) => ({ kind: 'token', token: f.token })));
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
  const original = useQuery(photoImageQuery(photo.id, 'original'));
  const aligned = useQuery({ ...photoImageQuery(photo.id, 'aligned'), enabled: photo.hasAligned });
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

function Terms({ detail }: { detail: CaseDetail }) {
  const [query, setQuery] = useState('');
  const asked = useDebounced(query, SEARCH_DEBOUNCE_MS);
  // The last answer stays listed while the next is asked for.
  const found = useQuery({ ...termSearchQuery(asked), placeholderData: keepPreviousData });
  const setTerm = useCaseEdit('cases.setTerm');
  const set = (termId: string, status: 'present' | 'excluded' | null) =>
    setTerm.mutate({ caseId: detail.id, termId, status });
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
            <button className="link" onClick={() => set(t.id, null)}>
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
      <ErrorBox error={errorMessage(found.error ?? setTerm.error)} />
      <ul className="results">
        {found.data?.terms.map((t) => (
          <li key={t.id}>
            <span>
              {t.name} <span className="muted">{t.id}</span>
            </span>
            <button className="link" onClick={() => set(t.id, 'present')}>
              present
            </button>
            <button className="link" onClick={() => set(t.id, 'excluded')}>
              excluded
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Diagnoses({ detail }: { detail: CaseDetail }) {
  const [query, setQuery] = useState('');
  const asked = useDebounced(query, SEARCH_DEBOUNCE_MS);
  const found = useQuery({ ...syndromeSearchQuery(asked), placeholderData: keepPreviousData });
  const setDiagnosis = useCaseEdit('cases.setDiagnosis');
  const set = (syndromeId: string, status: 'confirmed' | 'suspected' | 'excluded') =>
    setDiagnosis.mutate({ caseId: detail.id, syndromeId, status });
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
      <ErrorBox error={errorMessage(found.error ?? setDiagnosis.error)} />
      <ul className="results">
        {found.data?.syndromes.map((s) => (
          <li key={s.id}>
            <span>{s.name}</span>
            {(['suspected', 'confirmed', 'excluded'] as const).map((status) => (
              <button key={status} className="link" onClick={() => set(s.id, status)}>
                {status}
              </button>
            ))}
          </li>
        ))}
      </ul>
    </div>
  );
}
