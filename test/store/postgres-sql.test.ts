import { describe, expect, it } from 'vitest';
import { translateSql } from '../../src/main/store/postgres/sql.js';

describe('better-sqlite3 SQL as PostgreSQL reads it', () => {
  it('numbers ? parameters in order, leaving literals, quoted names, comments and casts alone', () => {
    expect(translateSql(`SELECT '?', "a?", x::json FROM t -- what?\nWHERE a = ? AND b = ? /* ? */`)).toEqual({
      text: `SELECT '?', "a?", x::json FROM t -- what?\nWHERE a = $1 AND b = $2 /* ? */`,
      names: [],
      count: 2,
    });
    expect(translateSql("SELECT 'it''s ?' WHERE a = ?").text).toBe("SELECT 'it''s ?' WHERE a = $1");
  });

  it('gives each named parameter one number however often it is used, and keeps ?NNN', () => {
    expect(translateSql('VALUES (:a, @b, $c, :a, @b::json)')).toEqual({
      text: 'VALUES ($1, $2, $3, $1, $2::json)',
      names: ['a', 'b', 'c'],
      count: 3,
    });
    expect(translateSql('WHERE m = ?1 OR n = ?1 OR o = ?2').text).toBe('WHERE m = $1 OR n = $1 OR o = $2');
    expect(() => translateSql('WHERE a = ? AND b = :b')).toThrow(/mixes/);
  });

  it('quotes camelCase names, which SQLite keeps as written and PostgreSQL would fold', () => {
    expect(translateSql('SELECT p.id AS patientId, CAST(x AS INTEGER) FROM p ORDER BY patientId').text).toBe(
      'SELECT p.id AS "patientId", CAST(x AS INTEGER) FROM p ORDER BY "patientId"',
    );
  });

  it("turns SQLite's null-safe IS and IS NOT into IS [NOT] DISTINCT FROM, keeping IS NULL and the like", () => {
    expect(translateSql('WHERE a IS NOT excluded.a AND b IS ? AND c IS NULL AND d IS NOT NULL').text).toBe(
      'WHERE a IS DISTINCT FROM excluded.a AND b IS NOT DISTINCT FROM $1 AND c IS NULL AND d IS NOT NULL',
    );
    expect(translateSql('WHERE a IS NOT DISTINCT FROM b AND t IS TRUE').text).toBe(
      'WHERE a IS NOT DISTINCT FROM b AND t IS TRUE',
    );
  });
});
