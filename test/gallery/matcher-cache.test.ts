/**
 * The fitted matcher kept in the store: fitted once per model and gallery version, restored after that to
 * the same probabilities, refitted when the gallery changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchPatient } from '../../src/main/match/matcher.js';
import { storedMatcher } from '../../src/main/service/matching.js';
import { Store } from '../../src/main/store/store.js';
import { model, fillSyntheticStore } from '../support/synthetic-store.js';
import { tempDir } from '../store/support.js';

describe('the matcher kept in the store', () => {
  const t = tempDir('facepheno-matcher-cache-');
  const file = `${t.dir}/cases.db`;
  let store: Store;
  const fit = () => {
    const version = store.galleryVersion();
    return storedMatcher(store, store.galleryEmbeddings(model.id), model, version);
  };
  const query = () => {
    const face = store.openCase('P1').photos[0]?.faces[0];
    const e = face && store.faces.embedding(face.id, model.id);
    if (!e) throw new Error('P1 has no embedding');
    return e.vector;
  };

  beforeAll(async () => {
    await fillSyntheticStore(file);
    store = Store.open(file);
  });
  afterAll(() => {
    store.close();
    t.remove();
  });

  it('is fitted once per gallery version and restored to the same probabilities', () => {
    const first = fit();
    expect(first.cached).toBe(false);
    const second = fit();
    expect(second.cached).toBe(true);
    const a = matchPatient(first.matcher, [query()]);
    const b = matchPatient(second.matcher, [query()]);
    expect(b.ranking).toEqual(a.ranking);
    expect(second.matcher.openSet).toEqual(first.matcher.openSet);
    // Another open of the same file finds it too.
    store.close();
    store = Store.open(file);
    expect(fit().cached).toBe(true);
  });

  it('is refitted when the gallery changes, and for another model file of the same id', () => {
    expect(fit().cached).toBe(true);
    const kabuki = store.syndromes.findByName('Kabuki syndrome');
    if (!kabuki) throw new Error('the synthetic store has no Kabuki syndrome');
    store.diagnoses.set(store.patients.get('P1'), { syndromeId: kabuki.id, status: 'confirmed' });
    expect(fit().cached).toBe(false);
    expect(fit().cached).toBe(true);
    const version = store.galleryVersion();
    const other = { ...model, sha256: 'c'.repeat(64) };
    expect(storedMatcher(store, store.galleryEmbeddings(model.id), other, version).cached).toBe(false);
  });
});
