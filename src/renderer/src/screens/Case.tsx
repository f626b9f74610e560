import { useRef, useState, type DragEvent, type ReactNode } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import type { CaseDetail, Photo } from '../../../shared/api.js';
import { api, errorMessage, errorText } from '../api.js';
import { ConfirmButton } from '../components/Confirm.js';
import { counted } from '../components/counted.js';
import { FaceView, meshPoints, viewAround } from '../components/FaceView.js';
import { ErrorBox, Loading } from '../components/Notice.js';
import { dataUrl } from '../components/files.js';
import { useDebounced } from '../components/useDebounced.js';
import { useAddPhotos, useCaseEdit, useDeleteCase } from '../data/mutations.js';
import { caseQuery, photoImageQuery, syndromeSearchQuery, termSearchQuery } from '../data/queries.js';
import { hasFileDialog } from '../host.js';
import { Variants } from './Variants.js';

/** Searches wait for the user to pause typing this long. */
const SEARCH_DEBOUNCE_MS = 250;

/** Why the case cannot be matched yet, or null when it can. */
function notMatchable(c: CaseDetail): string | null {
  if (c.photos.length === 0) return 'Matches needs a photo: add one with the face clearly visible.';
  if (!c.photos.some((p) => p.faces.some((f) => f.primary)))
    return 'Matches needs a face: none was found in this case’s photos; add a frontal photo.';
  return null;
}

/**
 * A case: a clinic case to work on, or (kind reference) a gallery member shown read-only, as the Gallery
 * screen opens it: what the gallery was built from is changed only by the gallery's own imports.
 */
export function CaseScreen({ id }: { id: string }) {
  const detail = useQuery(caseQuery(id));
  const navigate = useNavigate();
  const c = detail.data;
  if (!c) return detail.error ? <ErrorBox error={errorText(detail.error)} /> : <Loading what="the case" />;
  if (c.kind === 'reference') return <GalleryCase detail={c} />;
  const why = notMatchable(c);
  return (
    <section>
      <div className="heading">
        <h1>Case {c.id}</h1>
        <span className="muted">
          {c.sex}
          {c.birthYear !== null ? `, born ${c.birthYear}` : ''}
          {c.solvedAt !== null ? `, solved ${c.solvedAt.slice(0, 10)}` : ''}
        </span>
        <button
          disabled={why !== null}
          title={why ?? undefined}
          onClick={() => void navigate({ to: '/cases/$caseId/matches', params: { caseId: c.id } })}
        >
          Matches
        </button>
        {why !== null && (
          <span className="muted" data-testid="matches-why">
            {why}
          </span>
        )}
      </div>
      <Photos detail={c} />
      <Notes detail={c} />
      <div className="columns">
        <Terms detail={c} />
        <Diagnoses detail={c} />
      </div>
      <Variants caseId={c.id} />
      <DeleteCase detail={c} />
    </section>
  );
}

/** A gallery member as the Gallery screen opens it: its photos, terms and diagnosis, nothing to change. */
function GalleryCase({ detail: c }: { detail: CaseDetail }) {
  return (
    <section>
      <div className="heading">
        <h1>Gallery case {c.id}</h1>
        <span className="muted">
          {c.sex}
          {c.birthYear !== null ? `, born ${c.birthYear}` : ''}
        </span>
      </div>
      <p className="muted" data-testid="read-only">
        A reference case of the gallery: read-only here. The gallery changes through its imports, so that
        clinic work never moves the gallery version that matches are reported against.
      </p>
      <div className="panel">
        <h2>Photos</h2>
        <div className="photos">
          {c.photos.map((p) => (
            <PhotoCard key={p.id} photo={p} />
          ))}
        </div>
      </div>
      <div className="columns">
        <div className="panel">
          <h2>Phenotype (HPO)</h2>
          <ul className="terms">
            {c.terms.map((t) => (
              <li key={t.id} className={t.status}>
                {t.status === 'excluded' ? 'no ' : ''}
                {t.name} <span className="muted">{t.id}</span>
              </li>
            ))}
          </ul>
        </div>
        <div className="panel">
          <h2>Diagnosis</h2>
          <DiagnosisList detail={c} />
        </div>
      </div>
    </section>
  );
}

/** Deleting the case, once confirmed: its photos, terms, diagnoses and VCFs go; the audit log keeps who did it. */
function DeleteCase({ detail }: { detail: CaseDetail }) {
  const remove = useDeleteCase();
  const navigate = useNavigate();
  return (
    <div className="panel">
      <ConfirmButton
        label="Delete case…"
        question={`Delete case ${detail.id} with its ${counted(detail.photos.length, 'photo')}, terms, diagnoses and VCF imports? This cannot be undone.`}
        confirm="Delete the case"
        disabled={remove.isPending}
        onConfirm={() =>
          remove.mutate(detail.id, { onSuccess: () => void navigate({ to: '/cases', replace: true }) })
        }
      />
      <ErrorBox error={errorMessage(remove.error)} />
    </div>
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
  const remove = useCaseEdit('photos.delete');
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
      <ErrorBox error={errorMessage(remove.error)} />
      <div className="photos">
        {detail.photos.map((p) => (
          <PhotoCard key={p.id} photo={p}>
            <ConfirmButton
              label="Delete photo…"
              question={`Delete ${p.file} from this case?`}
              confirm="Delete the photo"
              disabled={remove.isPending}
              onConfirm={() => remove.mutate({ caseId: detail.id, photoId: p.id })}
            />
          </PhotoCard>
        ))}
      </div>
    </div>
  );
}

function PhotoCard({ photo, children }: { photo: Photo; children?: ReactNode }) {
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
        {children}
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

function DiagnosisList({ detail }: { detail: CaseDetail }) {
  return (
    <ul className="terms">
      {detail.diagnoses.map((d) => (
        <li key={d.syndromeId}>
          {d.name} <span className="muted">{d.status}</span>
          {d.gene && <span className="muted"> ({d.gene})</span>}
        </li>
      ))}
    </ul>
  );
}

function Diagnoses({ detail }: { detail: CaseDetail }) {
  const [query, setQuery] = useState('');
  const asked = useDebounced(query, SEARCH_DEBOUNCE_MS);
  const found = useQuery({ ...syndromeSearchQuery(asked), placeholderData: keepPreviousData });
  const setDiagnosis = useCaseEdit('cases.setDiagnosis');
  const solve = useCaseEdit('cases.solve');
  const toGallery = useCaseEdit('cases.addToGallery');
  const set = (syndromeId: string, status: 'confirmed' | 'suspected' | 'excluded') =>
    setDiagnosis.mutate({ caseId: detail.id, syndromeId, status });
  const confirmed = detail.diagnoses.filter((d) => d.status === 'confirmed');
  return (
    <div className="panel">
      <h2>Diagnosis</h2>
      <DiagnosisList detail={detail} />
      {detail.solvedAt === null ? (
        confirmed.map((d) => (
          <button
            key={d.syndromeId}
            disabled={solve.isPending}
            onClick={() => solve.mutate({ caseId: detail.id, syndromeId: d.syndromeId, gene: d.gene })}
          >
            Mark solved: {d.name}
          </button>
        ))
      ) : (
        <div className="solved" data-testid="solved">
          <span className="muted">Solved on {detail.solvedAt.slice(0, 10)}. </span>
          <ConfirmButton
            label="Add to gallery…"
            question={`Add ${detail.id} to the gallery as a confirmed case? Matches are then fitted with it (the gallery version changes), and the case becomes read-only.`}
            confirm="Add to the gallery"
            disabled={toGallery.isPending}
            onConfirm={() => toGallery.mutate({ caseId: detail.id })}
          />
        </div>
      )}
      <ErrorBox error={errorMessage(solve.error ?? toGallery.error)} />
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
