import { describe, expect, it } from 'vitest';
import { FileTokens } from '../../src/main/service/file-tokens.js';

describe('dialog file tokens', () => {
  it('resolves only tokens the shell issued, wherever they sit in a call', () => {
    const tokens = new FileTokens();
    const a = tokens.issue('/home/u/photos/a.jpg');
    const b = tokens.issue('/home/u/gallery');
    expect(a.name).toBe('a.jpg');
    expect(a.token).not.toBe(b.token);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const input = {
      caseId: 'P1',
      files: [
        { kind: 'token', token: a.token },
        { kind: 'token', token: 'made-up-by-the-renderer-000' },
        { kind: 'bytes', name: 'x.jpg', data: '' },
      ],
      source: { kind: 'token', token: b.token },
    };
    expect(tokens.resolveIn(input)).toEqual({
      [a.token]: '/home/u/photos/a.jpg',
      [b.token]: '/home/u/gallery',
    });
  });

  it('gives nothing for a path the renderer writes itself', () => {
    const tokens = new FileTokens();
    tokens.issue('/etc/hosts');
    expect(tokens.resolveIn({ files: [{ kind: 'path', path: '/etc/passwd' }], token: '/etc/hosts' })).toEqual(
      {},
    );
  });

  it('walks an input nested as deep as JSON allows, and one with a million items, without a throw', () => {
    const tokens = new FileTokens();
    const a = tokens.issue('/home/u/photos/a.jpg');
    const deep = JSON.parse(
      `${'['.repeat(100_000)}{"kind":"token","token":"${a.token}"}${']'.repeat(100_000)}`,
    );
    expect(tokens.resolveIn(deep)).toEqual({ [a.token]: '/home/u/photos/a.jpg' });
    const wide = [...Array.from({ length: 1_000_000 }, () => 0), { kind: 'token', token: a.token }];
    expect(tokens.resolveIn(wide)).toEqual({ [a.token]: '/home/u/photos/a.jpg' });
  });
});
