/**
 * The owner's side of a department database's roles: a connection as the schema's owner, the schema
 * migrated first (the views are made over its tables), then the roles set up or a login granted one.
 */
import { UserError } from '../errors.js';
import { appVersion } from '../version.js';
import { migrate } from './migrate.js';
import * as allMigrations from './migrations/index.js';
import { PostgresDb } from './postgres/database.js';
import { grantRole, serverRole, setupRoles, type RolesSetup } from './postgres/roles.js';
import { isPostgresUrl, parsePostgresTarget } from './postgres/target.js';
import type { Role } from './roles.js';
import { storageError } from './storage-errors.js';

export type { RolesSetup };

function asOwner<T>(target: string, fn: (db: PostgresDb) => T): T {
  if (!isPostgresUrl(target))
    throw new UserError(
      "roles are a department database's (a postgres:// URL): on a SQLite file the role is only a display mode",
      { file: target },
    );
  const t = parsePostgresTarget(target);
  const db = PostgresDb.connect(t, { lockTimeoutMs: 10_000 });
  try {
    const who = serverRole(db, t.schema);
    if (!who.owner)
      throw new UserError(
        `login '${who.login}' does not own schema '${who.schema}': connect as its owner to manage its roles`,
        { file: t.display },
      );
    migrate(db, t.display, Object.values(allMigrations), appVersion);
    return fn(db);
  } catch (err) {
    throw storageError(err, t.display);
  } finally {
    db.close();
  }
}

/** Creates or refreshes the schema's two groups, the research views and the grants (postgres/roles.ts). */
export function setUpDepartmentRoles(target: string): RolesSetup {
  return asOwner(target, (db) => setupRoles(db));
}

/** Makes an existing login a clinician or a researcher of the schema (and not the other). */
export function grantDepartmentRole(
  target: string,
  login: string,
  role: Role,
): { schema: string; group: string } {
  return asOwner(target, (db) => grantRole(db, login, role));
}
