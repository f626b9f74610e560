import { afterAll, describe, expect, it } from 'vitest';
import { Service } from '../../src/main/service/service.js';
import { tempDir } from './support.js';

const work = tempDir('facepheno-roles-');
const services: Service[] = [];
afterAll(async () => {
  for (const s of services) await s.close();
  work.remove();
});

async function open(role: 'clinician' | 'researcher'): Promise<Service> {
  const s = await Service.open({ dataDir: work.dir, host: 'browser', role, emit: () => undefined });
  services.push(s);
  return s;
}

describe('roles through the Service', () => {
  it('gives a researcher pseudonymised cases and refuses it identifying data; a clinician sees all', async () => {
    const clinician = await open('clinician');
    expect(
      await clinician.handle('cases.create', {
        id: 'R-1',
        sex: 'male',
        birthYear: 2012,
        notes: 'twin of R-2',
      }),
    ).toMatchObject({ ok: true, value: { birthYear: 2012, notes: 'twin of R-2' } });
    const researcher = await open('researcher');
    expect(await researcher.handle('cases.get', { id: 'R-1' })).toMatchObject({
      ok: true,
      value: { id: 'R-1', sex: 'male', birthYear: null, notes: '' },
    });
    expect(await researcher.handle('cases.list', { filter: 'twin' })).toMatchObject({
      ok: true,
      value: { total: 0 },
    });
    expect(await researcher.handle('cases.create', { id: 'R-3', notes: 'from the ward' })).toEqual({
      ok: false,
      error: 'a researcher sees cases pseudonymised and cannot record notes: a clinician can',
    });
    expect(await clinician.handle('cases.get', { id: 'R-1' })).toMatchObject({
      value: { birthYear: 2012, notes: 'twin of R-2' },
    });
  });
});

describe('what a role is, as Settings says it (issue 15, finding 4)', () => {
  it('on a SQLite file the role is a display mode, not access control, and Settings says so', async () => {
    const researcher = await open('researcher');
    const info = await researcher.handle('app.info', {});
    expect(info).toMatchObject({
      ok: true,
      value: {
        database: {
          kind: 'sqlite',
          role: 'researcher',
          access: expect.stringMatching(/^display mode \(researcher\): .*not what can be read/),
          connectionWarning: null,
        },
      },
    });
  });
});
