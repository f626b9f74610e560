import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  createColumnHelper,
  createSortedRowModel,
  rowSortingFeature,
  sortFn_alphanumeric,
  tableFeatures,
  useTable,
} from '@tanstack/react-table';
import type { FileSource, RankedVariant, VariantList } from '../../../shared/api.js';
import { api, errorMessage } from '../api.js';
import { FilePicker } from '../components/FilePicker.js';
import { JobStatus } from '../components/JobStatus.js';
import { ErrorBox, Loading } from '../components/Notice.js';
import { useJob } from '../components/useJob.js';
import { ConfirmButton } from '../components/Confirm.js';
import { useDeleteVcfImport } from '../data/mutations.js';
import { variantsQuery } from '../data/queries.js';

const features = tableFeatures({
  rowSortingFeature,
  sortedRowModel: createSortedRowModel(),
  sortFns: { alphanumeric: sortFn_alphanumeric },
});
const helper = createColumnHelper<typeof features, RankedVariant>();
const fixed = (digits: number) => (v: number | null) => (v === null ? '–' : v.toFixed(digits));
const columns = helper.columns([
  helper.accessor('priority', { header: 'Priority', cell: (c) => c.getValue().toFixed(3) }),
  helper.accessor('gene', { header: 'Gene', sortFn: 'alphanumeric', sortUndefined: 'last' }),
  helper.accessor((v) => [v.hgvsC, v.hgvsP].filter(Boolean).join(' ') || v.variant, {
    id: 'change',
    header: 'Change',
    cell: (c) => (
      <>
        {c.getValue()}
        <div className="muted">{c.row.original.variant}</div>
      </>
    ),
  }),
  helper.accessor('consequence', { header: 'Consequence', sortUndefined: 'last' }),
  helper.accessor((v) => `${v.genotype ?? '.'} (${v.zygosity})`, { id: 'genotype', header: 'Genotype' }),
  helper.accessor('gnomadAf', {
    header: 'gnomAD AF',
    sortUndefined: 'first',
    cell: (c) => c.getValue() ?? 'absent',
  }),
  helper.accessor('clinvar', { header: 'ClinVar', sortUndefined: 'last', cell: (c) => c.getValue() ?? '–' }),
  helper.accessor((v) => v.components.deleteriousness, {
    id: 'deleteriousness',
    header: 'Deleteriousness',
    cell: (c) => {
      const k = c.row.original.components;
      return (
        <>
          {k.deleteriousness.toFixed(2)}
          <div className="muted">
            impact {k.impact.toFixed(2)}, ClinVar {k.clinvar.toFixed(2)}, in silico {fixed(2)(k.inSilico)}
          </div>
        </>
      );
    },
  }),
  helper.accessor((v) => v.components.rarity, {
    id: 'rarity',
    header: 'Rarity',
    cell: (c) => c.getValue().toFixed(2),
  }),
  helper.accessor((v) => v.components.face, {
    id: 'face',
    header: 'Face match',
    cell: (c) => (
      <>
        {c.getValue().toFixed(3)}
        <div className="muted">{c.row.original.components.faceNote}</div>
      </>
    ),
  }),
  helper.accessor((v) => v.syndromes.map((s) => s.name ?? s.diseaseId).join('; '), {
    id: 'syndromes',
    header: 'Syndromes of the gene',
    cell: (c) => (
      <ul className="plain">
        {c.row.original.syndromes.map((s) => (
          <li key={s.diseaseId}>
            {s.name ?? s.diseaseId} <span className="muted">{s.diseaseId}</span>
            {s.inGallery === false && <span className="muted"> (not in the gallery)</span>}
            {s.face && (
              <span>
                {' '}
                face {(100 * s.face.probability).toFixed(1)}%, rank {s.face.rank}
              </span>
            )}
          </li>
        ))}
      </ul>
    ),
  }),
]);

/**
 * The case's VCF and its candidate variants, ranked with every component of their priority. The list is
 * read again once an import is done (data/client.ts).
 */
export function Variants({ caseId }: { caseId: string }) {
  const [maxAf, setMaxAf] = useState('0.01');
  const af = Number(maxAf);
  // The last list stays on screen while another frequency is asked for.
  const list = useQuery({
    ...variantsQuery(caseId, af > 0 && af <= 1 ? af : null),
    placeholderData: keepPreviousData,
  });
  const job = useJob();
  const importing = job.running;
  const importVcf = (file: FileSource) => job.start(() => api.call('variants.import', { caseId, file }));
  const done = job.finished?.result?.kind === 'variants.import' ? job.finished.result : null;
  return (
    <div className="panel" data-testid="variants">
      <div className="toolbar">
        <h2>Variants</h2>
        <FilePicker
          kind="vcf"
          accept=".vcf,.gz,.bgz"
          label="VCF file"
          button="Import VCF…"
          disabled={importing}
          onPick={job.reset}
          onFile={(f) => void importVcf(f)}
        />
        <label>
          gnomAD AF at most{' '}
          <input
            aria-label="Maximum gnomAD allele frequency"
            inputMode="decimal"
            size={6}
            value={maxAf}
            onChange={(e) => setMaxAf(e.target.value)}
          />
        </label>
      </div>
      <JobStatus job={job} verb="VCF import" />
      {done && (
        <div className="muted" data-testid="vcf-import-result">
          {done.alreadyImported
            ? `${done.import.fileName} was already imported on ${done.import.importedAt.slice(0, 10)}; nothing changed.`
            : `Imported ${done.import.fileName}: ${done.import.records} records, ${done.import.variants} alleles carried by ${done.import.sample}.`}
        </div>
      )}
      <ErrorBox error={errorMessage(list.error)} />
      {list.isPending && <Loading what="the variants" />}
      {list.data?.import && <DeleteImport caseId={caseId} vcf={list.data.import} />}
      {list.data && <Ranking list={list.data} />}
    </div>
  );
}

/** Deleting the VCF import shown (its variants with it), once confirmed. */
function DeleteImport({ caseId, vcf }: { caseId: string; vcf: NonNullable<VariantList['import']> }) {
  const remove = useDeleteVcfImport(caseId);
  return (
    <div className="toolbar">
      <ConfirmButton
        label="Delete this VCF import…"
        question={`Delete the import of ${vcf.fileName} (sample ${vcf.sample}, ${vcf.variants} variants)?`}
        confirm="Delete the VCF import"
        disabled={remove.isPending}
        onConfirm={() => remove.mutate(vcf.id)}
      />
      <ErrorBox error={errorMessage(remove.error)} />
    </div>
  );
}

function Ranking({ list }: { list: VariantList }) {
  const table = useTable({ features, columns, data: list.variants });
  const i = list.import;
  if (!i) return <p className="muted">No VCF imported for this case yet.</p>;
  const f = list.faceMatch;
  return (
    <>
      <p data-testid="variants-summary">
        {list.candidates} candidate variants of {list.stored} carried in {i.fileName} (sample {i.sample},{' '}
        {i.build ?? 'genome build unknown'}, imported {i.importedAt.slice(0, 10)}): rare (gnomAD AF at most{' '}
        {list.filter.maxGnomadAf}) and {list.filter.impacts.join(' or ')} impact
        {list.filter.clinvarPathogenic ? ', or ClinVar pathogenic / likely pathogenic' : ''}.
      </p>
      <p className="muted" data-testid="variants-face-source">
        {'provenance' in f
          ? `Face match from model ${f.provenance.model.id} (${f.provenance.model.sha256.slice(0, 8)}), gallery version ${f.provenance.galleryVersion}, ${f.provenance.method}.`
          : `No face match: ${f.unavailable}`}{' '}
        Priority = {weights(list)}.
      </p>
      <div className="scroll-x">
        <table className="plain" data-testid="variants-table">
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => (
                  <th key={header.id}>
                    <button className="link" onClick={header.column.getToggleSortingHandler()}>
                      <table.FlexRender header={header} />
                      {{ asc: ' ▲', desc: ' ▼' }[header.column.getIsSorted() as string] ?? ''}
                    </button>
                  </th>
                ))}
              </tr>
            ))}
          </thead>
          <tbody>
            {table.getRowModel().rows.map((row) => (
              <tr key={row.id}>
                {row.getAllCells().map((cell) => (
                  <td key={cell.id}>
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function weights(list: VariantList): string {
  const w = list.variants[0]?.components.weights;
  return w
    ? `${w.deleteriousness} × deleteriousness + ${w.rarity} × rarity + ${w.face} × face match`
    : 'deleteriousness, rarity and face match, weighted';
}
