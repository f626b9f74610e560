import { useQuery } from '@tanstack/react-query';
import { errorText } from '../api.js';
import { counted } from '../components/counted.js';
import { ErrorBox, Loading } from '../components/Notice.js';
import { HpoLoader } from '../components/HpoLoader.js';
import { CatalogueLoader } from '../components/CatalogueLoader.js';
import { appInfoQuery, auditStateQuery } from '../data/queries.js';
import type { AuditState } from '../../../shared/api.js';

export function SettingsScreen() {
  const info = useQuery(appInfoQuery());
  if (!info.data)
    return info.error ? <ErrorBox error={errorText(info.error)} /> : <Loading what="settings" />;
  const i = info.data;
  return (
    <section>
      <h1>Settings</h1>
      <dl className="settings">
        <dt>FacePheno</dt>
        <dd>
          version {i.version}, running{' '}
          {i.host === 'electron' ? 'as the desktop app' : 'in a browser (facepheno serve)'}
        </dd>
        <dt>Data directory</dt>
        <dd>
          <code>{i.dataDir}</code>
          <div className="muted">
            Change it with FACEPHENO_DATA_DIR, or --data-dir for facepheno serve, and restart FacePheno.
          </div>
        </dd>
        <dt>Case database</dt>
        <dd>
          <code>{i.database.location}</code> (
          {i.database.kind === 'postgres' ? 'PostgreSQL, shared' : 'SQLite'}), as {i.database.role}
          <div>Access: {i.database.access}</div>
          {i.database.connectionWarning !== null && (
            <div className="error" role="alert">
              Connection: {i.database.connectionWarning}
            </div>
          )}
          <div className="muted">
            Change it with FACEPHENO_DB (a postgres:// URL, with FACEPHENO_PHOTOS_DIR), or --db and --photos
            for facepheno serve, and restart FacePheno.
          </div>
        </dd>
        <dt>Execution provider</dt>
        <dd>{i.provider ?? 'not started yet (starts with the first photo)'}</dd>
        <dt>Phenotype ontology</dt>
        <dd>
          <HpoLoader release={i.hpo} />
        </dd>
        <dt>Gene-syndrome catalogue</dt>
        <dd>
          <CatalogueLoader />
        </dd>
        <dt>Audit log</dt>
        <dd data-testid="audit-state">
          <AuditChain />
        </dd>
        <dt>Gallery</dt>
        <dd>
          {counted(i.gallery.patients, 'patient')}, {counted(i.gallery.photos, 'photo')},{' '}
          {counted(i.gallery.labels.length, 'label')} (version {i.gallery.version})
        </dd>
      </dl>
      <h2>Models</h2>
      <ErrorBox error={i.modelsProblem} />
      <table className="plain">
        <thead>
          <tr>
            <th>Model</th>
            <th>Task</th>
            <th>sha256</th>
            <th>Source</th>
            <th>Licence</th>
          </tr>
        </thead>
        <tbody>
          {i.models.map((m) => (
            <tr key={m.id}>
              <td>{m.id}</td>
              <td>{m.task}</td>
              <td>
                <code>{m.sha256.slice(0, 12)}</code>
              </td>
              <td>{m.source}</td>
              <td>{m.licence}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The chain as verified when Settings opened: its head to write down elsewhere, or where it breaks. */
function AuditChain() {
  const state = useQuery(auditStateQuery());
  if (!state.data)
    return state.error ? <ErrorBox error={errorText(state.error)} /> : <Loading what="the audit chain" />;
  const a: AuditState = state.data;
  const before = a.unchained ? `, ${a.unchained} from before the chain (not covered)` : '';
  if (!a.ok)
    return (
      <ErrorBox
        error={
          a.brokenAt === null ? `Not verified: ${a.problem}` : `Broken at entry ${a.brokenAt}: ${a.problem}`
        }
      />
    );
  return (
    <>
      Verified: {a.entries} entries{before}, chain intact
      {a.head && (
        <div className="muted">
          Head: entry {a.head.id}, sha256 <code>{a.head.hash}</code>. Write it down elsewhere: facepheno audit
          verify --anchor HASH later proves the log was not rewritten since.
        </div>
      )}
    </>
  );
}
