import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDb } from '../../src/main/store/postgres/database.js';
import { parsePostgresTarget } from '../../src/main/store/postgres/target.js';
import { connectionSecurity, isLoopbackHost } from '../../src/main/store/postgres/tls.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { serverSkip, startServer, type ThrowawayServer } from '../support/postgres-server.js';

const security = (url: string) => connectionSecurity(new URL(url), url);

describe('a postgres:// URL -> how its connection is protected (issue 15, finding 6)', () => {
  it('a host off this machine gets TLS with the certificate and the host name checked', () => {
    expect(security('postgres://u@db.hospital.example/cases')).toEqual({
      ssl: { rejectUnauthorized: true, servername: 'db.hospital.example' },
      plaintextFallback: false,
      warning: null,
    });
    // An IP address is checked against the certificate's IP entries (no SNI name for an address).
    expect(security('postgres://u@10.1.2.3:5432/cases').ssl).toEqual({ rejectUnauthorized: true });
    expect(security('postgres://u@db.example/c?sslmode=verify-full').warning).toBeNull();
  });

  it('loopback and unix sockets stay plaintext unless the URL asks for TLS', () => {
    for (const host of ['127.0.0.1', '127.3.4.5', 'localhost', '[::1]'])
      expect(security(`postgres://u@${host}:5432/cases`)).toEqual({
        ssl: false,
        plaintextFallback: false,
        warning: null,
      });
    expect(security('postgres:///cases?host=/var/run/postgresql').ssl).toBe(false);
    expect(security('postgres://u@localhost/cases?sslmode=verify-full').ssl).toEqual({
      rejectUnauthorized: true,
      servername: 'localhost',
    });
    expect(['/tmp', '', '::1', '127.0.0.1'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', '192.0.2.2', '::2', 'db', '128.0.0.1'].some(isLoopbackHost)).toBe(false);
  });

  it('only an explicit sslmode weakens it, and then the warning says how', () => {
    const disabled = security('postgres://u@db.example/cases?sslmode=disable');
    expect(disabled.ssl).toBe(false);
    expect(disabled.warning).toMatch(/not encrypted/);
    const required = security('postgres://u@db.example/cases?sslmode=require');
    expect(required.ssl).toEqual({ rejectUnauthorized: false, servername: 'db.example' });
    expect(required.warning).toMatch(/certificate is not checked/);
    const preferred = security('postgres://u@db.example/cases?sslmode=prefer');
    expect(preferred).toMatchObject({ plaintextFallback: true, ssl: { rejectUnauthorized: false } });
    expect(preferred.warning).toMatch(/only if the server offers TLS/);
    expect(security('postgres://u@db.example/c?sslmode=verify-ca').ssl).toMatchObject({
      rejectUnauthorized: true,
      skipHostnameCheck: true,
    });
  });

  it('refuses an unknown sslmode and an unreadable CA file, naming them', () => {
    expect(() => security('postgres://u@db.example/c?sslmode=maybe')).toThrow(/sslmode 'maybe'/);
    expect(() => security('postgres://u@db.example/c?sslrootcert=/nonexistent/ca.pem')).toThrow(
      /\/nonexistent\/ca\.pem: cannot read the sslrootcert file/,
    );
  });

  it('takes the TLS parameters out of the URL the driver sees, and keeps the warning on the target', () => {
    const t = parsePostgresTarget('postgres://u:pw@db.example/cases?sslmode=require&schema=dept');
    expect(t.connectionString).toBe('postgres://u:pw@db.example/cases');
    expect(t.display).toBe('postgres://u:***@db.example/cases?sslmode=require&schema=dept');
    expect(t.security.warning).toMatch(/sslmode=require/);
  });
});

const connect = (url: string) => PostgresDb.connect(parsePostgresTarget(url), { lockTimeoutMs: 5000 });

describe.skipIf(serverSkip !== false)(
  serverSkip === false
    ? 'TLS to a real server on a non-loopback address'
    : `TLS to a real server (skipped: ${serverSkip})`,
  () => {
    let tls: ThrowawayServer | undefined;
    let plain: ThrowawayServer | undefined;
    beforeAll(async () => {
      tls = await startServer(true);
      plain = await startServer(false);
    }, 120_000);
    afterAll(() => {
      tls?.stop();
      plain?.stop();
    });

    it('refuses a server whose certificate this machine does not trust', () => {
      const url = `postgres://facepheno@${tls?.host}:${tls?.port}/postgres`;
      expect(() => connect(url)).toThrow(/cannot open the case database: .*certificate/i);
    });

    it('accepts it with the URL naming its CA (sslrootcert), and the session is encrypted', () => {
      const url = `postgres://facepheno@${tls?.host}:${tls?.port}/postgres?sslrootcert=${tls?.caFile}`;
      const db = connect(url);
      try {
        const r = db.prepare('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()').pluck().get();
        expect(r).toBe(true);
      } finally {
        db.close();
      }
    });

    it('refuses a plaintext-only server rather than falling back to plaintext', () => {
      const url = `postgres://facepheno@${plain?.host}:${plain?.port}/postgres`;
      expect(() => connect(url)).toThrow(/cannot open the case database: .*does not support SSL/i);
    });

    it('reaches the plaintext server only where the URL says sslmode=disable, with a warning', () => {
      const url = `postgres://facepheno@${plain?.host}:${plain?.port}/postgres?sslmode=disable`;
      expect(parsePostgresTarget(url).security.warning).toMatch(/not encrypted/);
      const db = connect(url);
      try {
        expect(db.prepare('SELECT 1 AS one').pluck().get()).toBe(1);
      } finally {
        db.close();
      }
    });

    it('sslmode=require encrypts without checking; prefer falls back to plaintext only where TLS is absent', () => {
      const checks = [
        [`postgres://facepheno@${tls?.host}:${tls?.port}/postgres?sslmode=require`, true],
        [`postgres://facepheno@${tls?.host}:${tls?.port}/postgres?sslmode=prefer`, true],
        [`postgres://facepheno@${plain?.host}:${plain?.port}/postgres?sslmode=prefer`, false],
      ] as const;
      for (const [url, encrypted] of checks) {
        expect(parsePostgresTarget(url).security.warning).not.toBeNull();
        const db = connect(url);
        try {
          const ssl = db.prepare('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()').pluck().get();
          expect(ssl, url).toBe(encrypted);
        } finally {
          db.close();
        }
      }
    });

    it('the command says once on stderr that the URL weakened the connection, and works', () => {
      const dir = mkdtempSync(join(tmpdir(), 'facepheno-tls-cli-'));
      const url = `postgres://facepheno@${plain?.host}:${plain?.port}/postgres?sslmode=disable&schema=w`;
      const env = { FACEPHENO_PHOTOS_DIR: join(dir, 'photos'), FACEPHENO_DATA_DIR: dir, FACEPHENO_ROLE: '' };
      const r = runCli(['case', 'list', '--db', url], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr.trim().split('\n')).toEqual([
        `facepheno: warning: sslmode=disable: the connection to ${plain?.host} is not encrypted (patient data crosses the network in clear)`,
      ]);
    });
  },
);
