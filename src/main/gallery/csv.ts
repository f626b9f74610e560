import { UserError } from '../errors.js';
import { inputPath, readInputSync, type InputFile } from '../input-file.js';

export interface CsvRecord {
  /** The line the record starts on (1-based), for messages. */
  line: number;
  /** Values by lower-cased, trimmed header name. */
  values: Map<string, string>;
}

/** Reads an RFC 4180 CSV file with a header row (quotes, doubled quotes, CRLF, a UTF-8 BOM). */
export function readCsv(input: InputFile): { header: string[]; records: CsvRecord[] } {
  const file = inputPath(input);
  let text: string;
  try {
    text = readInputSync(input).toString('utf8');
  } catch (err) {
    throw new UserError(`cannot read: ${(err as Error).message}`, { file, cause: err });
  }
  const rows = splitRows(text.replace(/^\uFEFF/, ''), file);
  const head = rows.shift();
  if (!head) throw new UserError('empty CSV file: expected a header row', { file, line: 1 });
  const header = head.fields.map((h) => h.trim().toLowerCase());
  const records: CsvRecord[] = [];
  for (const r of rows) {
    if (r.fields.length === 1 && r.fields[0]?.trim() === '') continue;
    if (r.fields.length !== header.length)
      throw new UserError(`expected ${header.length} fields as in the header, found ${r.fields.length}`, {
        file,
        line: r.line,
      });
    records.push({ line: r.line, values: new Map(header.map((h, i) => [h, (r.fields[i] ?? '').trim()])) });
  }
  return { header, records };
}

function splitRows(text: string, file: string): { line: number; fields: string[] }[] {
  const rows: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let rowLine = 1;
  let quoted = false;
  let i = 0;
  const endRow = () => {
    fields.push(field);
    rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
  };
  while (i < text.length) {
    const c = text.charAt(i);
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else field += c;
    i++;
  }
  if (quoted) throw new UserError('a quoted field is not closed', { file, line: rowLine });
  if (field !== '' || fields.length > 0) endRow();
  return rows;
}
