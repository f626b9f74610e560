import { useState, type FormEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import {
  createColumnHelper,
  createSortedRowModel,
  rowSortingFeature,
  sortFn_alphanumeric,
  tableFeatures,
  useTable,
} from '@tanstack/react-table';
import type { CaseSummary, Sex } from '../../../shared/api.js';
import { errorMessage } from '../api.js';
import { ErrorBox } from '../components/Notice.js';
import { useCreateCase } from '../data/mutations.js';
import { caseListQuery } from '../data/queries.js';

const features = tableFeatures({
  rowSortingFeature,
  sortedRowModel: createSortedRowModel(),
  sortFns: { alphanumeric: sortFn_alphanumeric },
});
const helper = createColumnHelper<typeof features, CaseSummary>();
const columns = helper.columns([
  helper.accessor('id', { header: 'Case', sortFn: 'alphanumeric' }),
  helper.accessor('sex', { header: 'Sex' }),
  helper.accessor('birthYear', { header: 'Born', sortUndefined: 'last' }),
  helper.accessor('photos', { header: 'Photos' }),
  helper.accessor('diagnosis', { header: 'Diagnosis', sortUndefined: 'last' }),
  helper.accessor('createdAt', { header: 'Created', cell: (c) => c.getValue().slice(0, 10) }),
]);

const ROW_HEIGHT = 34;
const VIEW_ROWS = 16;

/** The case list, searched for `filter`: the text in the address, so that Back returns to the same search. */
export function CasesScreen({ filter }: { filter: string }) {
  const navigate = useNavigate();
  // The box holds what is typed; the address follows it. Another filter arriving from the address (a tab,
  // an address typed in) replaces the text.
  const [text, setText] = useState(filter);
  const [shownFilter, setShownFilter] = useState(filter);
  if (filter !== shownFilter) {
    setShownFilter(filter);
    if (filter !== text) setText(filter);
  }
  function search(next: string) {
    setText(next);
    void navigate({ to: '/cases', search: next === '' ? {} : { filter: next }, replace: true });
  }
  // The last list stays on screen while the next search is answered.
  const list = useQuery({ ...caseListQuery(filter), placeholderData: keepPreviousData });
  const open = (caseId: string) => void navigate({ to: '/cases/$caseId', params: { caseId } });
  const rows = list.data?.rows;
  return (
    <section>
      <h1>Cases</h1>
      <p className="muted">
        The clinic’s own cases, newest first; the gallery’s cases are in Gallery &amp; model.
      </p>
      <div className="toolbar">
        <input
          type="search"
          placeholder="Search cases by id, diagnosis or notes"
          aria-label="Search cases"
          value={text}
          onChange={(e) => search(e.target.value)}
        />
        <span className="muted">{list.data ? `${list.data.rows.length} of ${list.data.total}` : ''}</span>
      </div>
      <ErrorBox error={errorMessage(list.error)} />
      <NewCase onCreated={open} />
      {rows && <CaseTable rows={rows} onOpen={open} />}
    </section>
  );
}

function CaseTable({ rows, onOpen }: { rows: CaseSummary[]; onOpen: (id: string) => void }) {
  const table = useTable({ features, columns, data: rows });
  const [scrollTop, setScrollTop] = useState(0);
  const model = table.getRowModel().rows;
  // Only the rows in view (and a few around) are in the DOM, so 10,000 cases scroll as smoothly as 10.
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - 4);
  const last = Math.min(model.length, first + VIEW_ROWS + 8);
  return (
    <div className="table">
      <div className="thead">
        {table.getHeaderGroups().map((group) =>
          group.headers.map((header) => (
            <button key={header.id} className="th" onClick={header.column.getToggleSortingHandler()}>
              <table.FlexRender header={header} />
              {{ asc: ' ▲', desc: ' ▼' }[header.column.getIsSorted() as string] ?? ''}
            </button>
          )),
        )}
      </div>
      <div
        className="tbody"
        style={{ height: ROW_HEIGHT * Math.min(VIEW_ROWS, Math.max(model.length, 1)) }}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      >
        <div style={{ height: model.length * ROW_HEIGHT, position: 'relative' }}>
          {model.slice(first, last).map((row, i) => (
            <button
              key={row.id}
              className="tr"
              style={{ top: (first + i) * ROW_HEIGHT, height: ROW_HEIGHT }}
              onClick={() => onOpen(row.original.id)}
            >
              {row.getAllCells().map((cell) => (
                <span key={cell.id} className="td">
                  <table.FlexRender cell={cell} />
                </span>
              ))}
            </button>
          ))}
        </div>
      </div>
      {model.length === 0 && <div className="muted">No cases yet.</div>}
    </div>
  );
}

function NewCase({ onCreated }: { onCreated: (id: string) => void }) {
  const [id, setId] = useState('');
  const [sex, setSex] = useState<Sex>('unknown');
  const [birthYear, setBirthYear] = useState('');
  const create = useCreateCase();
  const [refused, setRefused] = useState<string | null>(null);
  function submit(e: FormEvent) {
    e.preventDefault();
    const year = birthYear.trim();
    // Refused here with a reason: a year the contract cannot take must not become "unknown" on the way.
    if (year !== '' && !/^\d{4}$/.test(year)) {
      setRefused(`Birth year '${year}' is not a year: write four digits (e.g. 2016), or leave it empty.`);
      return;
    }
    setRefused(null);
    create.mutate(
      { id, sex, birthYear: year === '' ? null : Number(year) },
      { onSuccess: (created) => onCreated(created.id) },
    );
  }
  return (
    <form className="newcase" onSubmit={submit}>
      <strong>New case</strong>
      <input
        aria-label="Case id"
        placeholder="Pseudonymous id"
        value={id}
        onChange={(e) => setId(e.target.value)}
      />
      <select aria-label="Sex" value={sex} onChange={(e) => setSex(e.target.value as Sex)}>
        <option value="unknown">sex unknown</option>
        <option value="female">female</option>
        <option value="male">male</option>
      </select>
      <input
        aria-label="Birth year"
        placeholder="Birth year"
        inputMode="numeric"
        value={birthYear}
        onChange={(e) => setBirthYear(e.target.value)}
      />
      <button type="submit" disabled={id.trim() === ''}>
        Create
      </button>
      <ErrorBox error={refused ?? errorMessage(create.error)} />
    </form>
  );
}
