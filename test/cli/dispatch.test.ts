import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('facepheno command dispatch', () => {
  it('lists its commands on --help and exits 0', () => {
    const r = runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: facepheno <command>');
  });

  it('refuses an unknown command with exit code 2 and a one-line reason', () => {
    const r = runCli(['no-such-command']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("unknown command 'no-such-command'");
  });
});
