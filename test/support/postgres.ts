import { randomBytes } from 'node:crypto';
import { PostgresDb } from '../../src/main/store/postgres/database.js';
import { parsePostgresTarget } from '../../src/main/store/postgres/target.js';

/** The test server (scripts/postgres-test-server.sh sets it; CI always does). */
export const postgresUrl = process.env.FACEPHENO_TEST_POSTGRES;

/** Why PostgreSQL tests skip here, or false when they run. */
export const postgresSkip: string | false =
  postgresUrl === undefined
    ? 'FACEPHENO_TEST_POSTGRES is not set (bash scripts/postgres-test-server.sh CMD runs CMD with it)'
    : false;

function serverUrl(): string {
  if (postgresUrl === undefined) throw new Error(postgresSkip || 'no test server');
  return postgresUrl;
}

/** A connection to the test database itself (its default schema), for setting up and cleaning up. */
export function adminConnection(): PostgresDb {
  return PostgresDb.connect(parsePostgresTarget(serverUrl()), { lockTimeoutMs: 10_000 });
}

/** A schema of its own on the test server, for one store; drop() removes it with everything in it. */
export function freshSchema(): { url: string; schema: string; drop: () => void } {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const url = new URL(serverUrl());
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    schema,
    drop: () => {
      const db = adminConnection();
      try {
        db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        db.close();
      }
    },
  };
}
