/** The rules for the fields both gallery forms share (the gallery CSV, a label folder's metadata.csv). */
import { existsSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { sexes, type Sex } from '../../shared/vocabulary.js';
import type { CsvRecord } from './csv.js';
import { parseCorner, type Corner } from './mask.js';

/** A row's place: the CSV file and the line its record starts on. */
export interface RowPlace {
  file: string;
  line: number;
}

export function needColumns(header: readonly string[], columns: readonly string[], file: string): void {
  for (const need of columns)
    if (!header.includes(need))
      throw new UserError(`the header lacks a '${need}' column (has: ${header.join(', ')})`, {
        file,
        line: 1,
      });
}

export function required(r: CsvRecord, column: string, at: RowPlace): string {
  const v = r.values.get(column);
  if (!v) throw new UserError(`the '${column}' field is empty`, at);
  return v;
}

/** `path` if it names a file: a row naming a photo that is not there is refused. */
export function photoFile(path: string, at: RowPlace): string {
  if (!existsSync(path) || !statSync(path).isFile()) throw new UserError(`photo not found: ${path}`, at);
  return path;
}

export function sexOf(r: CsvRecord, at: RowPlace): Sex {
  const v = (r.values.get('sex') ?? '').toLowerCase();
  if (!v) return 'unknown';
  const s = ({ f: 'female', m: 'male' } as Record<string, Sex>)[v] ?? (v as Sex);
  if (!sexes.includes(s))
    throw new UserError(`sex must be one of ${sexes.join(', ')}, F or M (got '${v}')`, at);
  return s;
}

export function ageOf(r: CsvRecord, at: RowPlace): number | null {
  const v = r.values.get('age');
  if (!v) return null;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 130)
    throw new UserError(`age must be years from 0 to 130 (got '${v}')`, at);
  return n;
}

export function maskOf(r: CsvRecord, at: RowPlace): Corner | null {
  return parseCorner(r.values.get('mask') ?? '', at);
}
