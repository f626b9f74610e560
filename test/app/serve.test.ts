import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('facepheno serve arguments', () => {
  it('refuses a bad port or an unknown option with exit code 2', () => {
    const port = runCli(['serve', '--port', '70000']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port must be a whole number from 0 to 65535');
    const unknown = runCli(['serve', '--host', '0.0.0.0']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
  });

  it('documents itself', () => {
    const help = runCli(['serve', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: facepheno serve [--port N] [--data-dir DIR]');
  });
});
