import { UserError } from '../../errors.js';
import { connectionSecurity, tlsParameters, type ConnectionSecurity } from './tls.js';

/** A PostgreSQL store's address: a postgres:// (or postgresql://) URL, optionally `?schema=name`. */
export interface PostgresTarget {
  /** What the pg client connects with: the URL without our own `schema` parameter. */
  connectionString: string;
  /** The schema that holds the store's tables; undefined: the server's default (usually public). */
  schema: string | undefined;
  /** The URL as messages and logs may show it: the password replaced by ***. */
  display: string;
  /** TLS or not, decided here from the URL (tls.ts); its TLS parameters are not in connectionString. */
  security: ConnectionSecurity;
}

export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** Ordinary lower-case identifiers only, so a schema name never needs quoting (nor can inject SQL). */
const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;

export function parsePostgresTarget(target: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UserError('not a valid postgres:// URL', { file: redact(target) });
  }
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  const display = redactUrl(url);
  if (schema !== undefined && !schemaPattern.test(schema))
    throw new UserError(
      `schema '${schema}' must be a lower-case name of letters, digits and _ (at most 63)`,
      { file: display },
    );
  const shown = schema === undefined ? display : `${display}${url.search ? '&' : '?'}schema=${schema}`;
  const security = connectionSecurity(url, shown);
  for (const p of tlsParameters) url.searchParams.delete(p);
  return { connectionString: url.toString(), schema, display: shown, security };
}

function redactUrl(url: URL): string {
  const shown = new URL(url.toString());
  if (shown.password) shown.password = '***';
  return shown.toString();
}

/** A target that did not even parse: whatever sits between "://user:" and "@" is hidden. */
function redact(target: string): string {
  return target.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
