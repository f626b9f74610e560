/**
 * Editing a case's notes in Chromium against `facepheno serve` while another workstation saves the same case
 * through the same API: the stale save is refused on screen naming who changed the case, the other save is
 * kept, and after reloading the user's unsaved text is still on screen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseDetail } from '../src/shared/api.js';
import { TOKEN_HEADER } from '../src/main/server/http.js';
import { openServedApp, type ServedApp } from './support/served-app.js';

const patient = 'NOTES-1';
let app: ServedApp;

/** The other workstation: the same HTTP API the page uses. */
async function call<T>(name: string, input: unknown): Promise<T> {
  const token = new URL(app.served.url).searchParams.get('token') ?? '';
  const res = await fetch(`${app.served.origin}/api/call/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
    body: JSON.stringify(input),
  });
  const reply = (await res.json()) as { ok: boolean; value?: T; error?: string };
  if (!reply.ok) throw new Error(reply.error);
  return reply.value as T;
}

beforeAll(async () => {
  app = await openServedApp('facepheno-e2e-notes-');
  await call('cases.create', { id: patient, notes: 'referred by GP' });
}, 120_000);
afterAll(() => app?.close());

describe('case notes', () => {
  it('saves, refuses a save over another workstation’s change, and keeps both texts', async () => {
    const { page } = app;
    await page.reload();
    await page.getByRole('button', { name: new RegExp(`^${patient}`) }).click();
    await page.getByRole('heading', { name: `Case ${patient}` }).waitFor();
    const notes = page.getByLabel('Case notes');
    expect(await notes.inputValue()).toBe('referred by GP');

    await notes.fill('referred by GP; ptosis');
    await page.getByRole('button', { name: 'Save notes' }).click();
    // Saved once the screen holds the stored case again: the button is disabled while saving too.
    await expect
      .poll(async () => (await call<CaseDetail>('cases.get', { id: patient })).notes)
      .toBe('referred by GP; ptosis');
    await expect.poll(() => page.getByRole('button', { name: 'Save notes' }).isDisabled()).toBe(true);
    const saved = await call<CaseDetail>('cases.get', { id: patient });

    // Another workstation saves the case after this page showed it.
    await call('cases.update', { id: patient, updatedAt: saved.updatedAt, notes: 'seen in clinic B' });
    await notes.fill('referred by GP; ptosis; hypertelorism');
    await page.getByRole('button', { name: 'Save notes' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(
      /case 'NOTES-1' was changed by .+ after you opened it: nothing was saved/,
    );
    expect((await call<CaseDetail>('cases.get', { id: patient })).notes).toBe('seen in clinic B');

    await page.getByRole('button', { name: 'Reload the case' }).click();
    await expect.poll(() => notes.inputValue()).toBe('seen in clinic B');
    expect(await page.getByTestId('unsaved-notes').textContent()).toContain('ptosis; hypertelorism');
    expect(await page.getByRole('alert').count()).toBe(0);
  });
});
