/** A statement written for better-sqlite3, as PostgreSQL takes it. */
export interface TranslatedSql {
  text: string;
  /** Named parameters (:name, @name, $name) in $n order; empty when the statement uses `?` or none. */
  names: string[];
  /** How many $n parameters the text has. */
  count: number;
}

// Words after SQLite's IS / IS NOT that keep their PostgreSQL meaning.
const isOperands = new Set(['NULL', 'TRUE', 'FALSE', 'NOT', 'DISTINCT', 'UNKNOWN']);

/**
 * Rewrites what better-sqlite3 takes and PostgreSQL reads otherwise, outside string literals, quoted
 * identifiers and comments:
 * - parameters: each `?` becomes the next $n, `?NNN` $NNN, each distinct :name/@name/$name one $n;
 * - camelCase names (aliases such as `AS patientId`, and uses of them) are quoted: PostgreSQL folds
 *   unquoted names to lower case, SQLite keeps them as written;
 * - SQLite's null-safe `a IS b` / `a IS NOT b` become IS [NOT] DISTINCT FROM.
 */
export function translateSql(sql: string): TranslatedSql {
  const names: string[] = [];
  let positional = 0;
  let numbered = 0;
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql.charAt(i);
    const skip = skipped(sql, i);
    if (skip > i) {
      out += sql.slice(i, skip);
      i = skip;
      continue;
    }
    const rest = sql.slice(i);
    const number = /^\?(\d+)/.exec(rest);
    if (number?.[1] !== undefined) {
      numbered = Math.max(numbered, Number(number[1]));
      out += `$${number[1]}`;
      i += number[0].length;
      continue;
    }
    if (c === '?') {
      positional += 1;
      out += `$${positional}`;
      i += 1;
      continue;
    }
    const named = /^[:@$]([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
    if (named?.[1] !== undefined && !(c === ':' && (sql[i - 1] === ':' || sql[i + 1] === ':'))) {
      let k = names.indexOf(named[1]);
      if (k < 0) k = names.push(named[1]) - 1;
      out += `$${k + 1}`;
      i += named[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)?.[0];
    if (word !== undefined && !/[A-Za-z0-9_$]/.test(sql[i - 1] ?? ' ')) {
      i += word.length;
      if (word.toUpperCase() === 'IS') {
        const next = /^\s+(NOT\s+)?([A-Za-z_]+)?/i.exec(sql.slice(i));
        const operand = next?.[2]?.toUpperCase();
        if (next && !(operand !== undefined && isOperands.has(operand) && !(next[1] && operand === 'NOT'))) {
          out += next[1] ? 'IS DISTINCT FROM ' : 'IS NOT DISTINCT FROM ';
          i += next[0].length - (next[2]?.length ?? 0);
          continue;
        }
      }
      out += /[a-z]/.test(word) && /[A-Z]/.test(word) ? `"${word}"` : word;
      continue;
    }
    out += c;
    i += 1;
  }
  if ([positional, numbered, names.length].filter((n) => n > 0).length > 1)
    throw new Error('a statement mixes ?, ?NNN and named parameters');
  return { text: out, names, count: positional + numbered + names.length };
}

/** The end of a literal, quoted identifier or comment starting at i; i itself when none starts there. */
function skipped(sql: string, i: number): number {
  const c = sql[i];
  if (c === "'" || c === '"') {
    let j = i + 1;
    for (;;) {
      const k = sql.indexOf(c, j);
      if (k < 0) return sql.length;
      if (sql[k + 1] === c) j = k + 2;
      else return k + 1;
    }
  }
  if (c === '-' && sql[i + 1] === '-') {
    const k = sql.indexOf('\n', i);
    return k < 0 ? sql.length : k;
  }
  if (c === '/' && sql[i + 1] === '*') {
    const k = sql.indexOf('*/', i + 2);
    return k < 0 ? sql.length : k + 2;
  }
  return i;
}
