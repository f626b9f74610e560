import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway PostgreSQL server of a test's own, as scripts/postgres-test-server.sh starts one, but on
 * an address of this machine that is not loopback, with TLS (a certificate signed by a CA made for it)
 * or without: what a department's server on the network looks like.
 */
export interface ThrowawayServer {
  host: string;
  port: number;
  /** The CA that signed the server's certificate (TLS servers only). */
  caFile: string | undefined;
  stop(): void;
}

function bindir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(a) - Number(b));
  const bin = versions.length ? join(root, versions[versions.length - 1] ?? '', 'bin') : undefined;
  return bin && existsSync(join(bin, 'postgres')) ? bin : undefined;
}

/** This machine's first IPv4 address that is not loopback, or undefined. */
export function networkAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

/** Why a test server cannot be started here, or false. */
export const serverSkip: string | false =
  bindir() === undefined
    ? 'PostgreSQL is not installed'
    : networkAddress() === undefined
      ? 'this machine has no address besides loopback'
      : !existsSync('/usr/bin/openssl')
        ? 'openssl is not installed'
        : false;

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

const root = process.getuid?.() === 0;

function asOwner(cmd: string, args: string[]): void {
  if (root) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
  else execFileSync(cmd, args, { stdio: 'pipe' });
}

function ownedByPostgres(path: string): void {
  if (!root) return;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(path, id('-u'), id('-g'));
}

/** A CA and a server certificate for `host` (an IP address) that it signed, in `dir`. */
function certificates(dir: string, host: string): { ca: string; cert: string; key: string } {
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const cert = join(dir, 'server.crt');
  const ext = join(dir, 'san.ext');
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=FacePheno test CA',
    '-keyout',
    caKey,
    '-out',
    ca,
  );
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${host}`, '-keyout', key, '-out', csr);
  writeFileSync(ext, `subjectAltName=IP:${host}\n`);
  ssl(
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    ext,
    '-out',
    cert,
  );
  chmodSync(key, 0o600);
  ownedByPostgres(key);
  ownedByPostgres(cert);
  return { ca, cert, key };
}

/** Starts a server on this machine's network address: `tls` true: TLS only (hostssl), else TLS off. */
export async function startServer(tls: boolean): Promise<ThrowawayServer> {
  const bin = bindir();
  const host = networkAddress();
  if (!bin || !host) throw new Error(serverSkip || 'no server');
  const dir = mkdtempSync(join(tmpdir(), 'facepheno-pg-tls-'));
  chmodSync(dir, 0o755);
  ownedByPostgres(dir);
  const data = join(dir, 'db');
  asOwner(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'facepheno',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    '--no-instructions',
  ]);
  const certs = tls ? certificates(dir, host) : undefined;
  writeFileSync(
    join(data, 'pg_hba.conf'),
    tls
      ? 'local all all trust\nhostssl all all 0.0.0.0/0 trust\n'
      : 'local all all trust\nhost all all 0.0.0.0/0 trust\n',
  );
  const port = await freePort(host);
  const options = [
    `-c listen_addresses=${host} -p ${port} -k ${dir} -c fsync=off`,
    tls ? `-c ssl=on -c ssl_cert_file=${certs?.cert} -c ssl_key_file=${certs?.key}` : '-c ssl=off',
  ].join(' ');
  asOwner(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', options, 'start']);
  return {
    host,
    port,
    caFile: certs?.ca,
    stop: () => {
      try {
        asOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
