import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { UserError } from '../../errors.js';

/**
 * How a PostgreSQL connection is protected, decided from its URL here rather than by the `pg` driver's own
 * sslmode parsing (which treats `require` as verify-full in one version and as libpq's in another, and
 * reads PGSSLMODE from the environment). The rule: a server off this machine is reached over TLS with its
 * certificate checked against the system's or the URL's CA (`sslrootcert`) and its name against the host
 * (libpq's verify-full); only an explicit sslmode in the URL says otherwise, and then `warning` says so.
 * A loopback host or a unix socket stays plaintext unless the URL asks for TLS.
 */
export interface ConnectionSecurity {
  /** What pg.Client's `ssl` option gets: false (plaintext) or node:tls options. */
  ssl: false | TlsOptions;
  /** sslmode=prefer: TLS where the server offers it, plaintext where it does not (libpq's fallback). */
  plaintextFallback: boolean;
  /** Why this connection is less protected than the rule wants; null when it is not. */
  warning: string | null;
}

/** The node:tls options used, all serialisable (they travel to the connection's worker thread). */
export interface TlsOptions {
  rejectUnauthorized: boolean;
  /** The name the certificate must carry (SNI too); absent for an IP address, checked as the IP then. */
  servername?: string;
  /** verify-ca: the chain is checked, the host name is not. */
  skipHostnameCheck?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

/** The URL's parameters that are about TLS: taken out of the URL the driver sees, so it cannot re-read them. */
export const tlsParameters = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'ssl', 'uselibpqcompat'];

const sslmodes = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
type SslMode = (typeof sslmodes)[number];

/** 127.0.0.0/8, ::1, localhost, a unix socket folder (a host that is a path), or no host at all. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === '' || h.startsWith('/') || h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/** The host a URL connects to: `?host=` (libpq's, a socket folder) wins over the URL's authority. */
export function connectionHost(url: URL): string {
  return url.searchParams.get('host') ?? decodeURIComponent(url.hostname);
}

/**
 * The protection of a connection to `url` (a postgres:// URL, TLS parameters still in it); `display` names
 * it in messages. A certificate file that cannot be read is a UserError naming it.
 */
export function connectionSecurity(url: URL, display: string): ConnectionSecurity {
  const host = connectionHost(url);
  const loopback = isLoopbackHost(host);
  const given = url.searchParams.get('sslmode');
  if (given !== null && !(sslmodes as readonly string[]).includes(given))
    throw new UserError(`sslmode '${given}' is not one of ${sslmodes.join(', ')}`, { file: display });
  const mode: SslMode = (given as SslMode | null) ?? (loopback ? 'disable' : 'verify-full');
  const files = certificateFiles(url, display);
  const warning = loopback ? null : weakening(mode, host);
  if (mode === 'disable' || mode === 'allow') return { ssl: false, plaintextFallback: false, warning };
  const verify = mode === 'verify-ca' || mode === 'verify-full';
  const ssl: TlsOptions = {
    rejectUnauthorized: verify,
    ...(isIP(host.replace(/^\[|\]$/g, '')) === 0 && !host.startsWith('/') ? { servername: host } : {}),
    ...(mode === 'verify-ca' ? { skipHostnameCheck: true } : {}),
    ...files,
  };
  return { ssl, plaintextFallback: mode === 'prefer', warning };
}

function weakening(mode: SslMode, host: string): string | null {
  switch (mode) {
    case 'disable':
    case 'allow':
      return `sslmode=${mode}: the connection to ${host} is not encrypted (patient data crosses the network in clear)`;
    case 'prefer':
      return `sslmode=prefer: the connection to ${host} is encrypted only if the server offers TLS, and its certificate is not checked`;
    case 'require':
      return `sslmode=require: the connection to ${host} is encrypted but the server's certificate is not checked (anyone on the path can pose as the server)`;
    case 'verify-ca':
      return `sslmode=verify-ca: the certificate of ${host} is checked against the CA but not against the host name`;
    case 'verify-full':
      return null;
  }
}

function certificateFiles(url: URL, display: string): Pick<TlsOptions, 'ca' | 'cert' | 'key'> {
  const out: Pick<TlsOptions, 'ca' | 'cert' | 'key'> = {};
  for (const [param, key] of [
    ['sslrootcert', 'ca'],
    ['sslcert', 'cert'],
    ['sslkey', 'key'],
  ] as const) {
    const file = url.searchParams.get(param);
    if (file === null) continue;
    try {
      out[key] = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read the ${param} file of the case database's URL (${display})`, {
        file,
        cause: err,
      });
    }
  }
  return out;
}
