/**
 * One rule for patient identity: the store finds a case by its id case-insensitively, so the app's match of
 * a gallery member asked for in another spelling ('kabuki-0' for the stored 'Kabuki-0') must leave that
 * member out exactly as the stored spelling does: never their own nearest case (similarity 1), and the
 * classifier refitted without them. The synthetic store runs no ONNX model.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Service } from '../../src/main/service/service.js';
import type { MatchResult } from '../../src/shared/api.js';
import { tempDir } from '../store/support.js';
import { syntheticCaseStore } from '../support/synthetic-store.js';

const tmp = tempDir('facepheno-identity-');
const dataDir = join(tmp.dir, 'data');
const modelsDir = join(tmp.dir, 'models');
let service: Service;

beforeAll(async () => {
  await syntheticCaseStore(dataDir, modelsDir);
  service = await Service.open({ dataDir, modelsDir, host: 'browser', emit: () => undefined });
});

afterAll(async () => {
  await service?.close();
  tmp.remove();
});

async function match(caseId: string): Promise<MatchResult> {
  const reply = await service.handle('match.case', { caseId });
  if (!reply.ok) throw new Error(reply.error);
  return reply.value as MatchResult;
}

describe("a gallery member's match, asked for in another spelling of its id", () => {
  it('leaves the member out as the stored spelling does, and names the case as stored', async () => {
    const stored = await match('Kabuki-0');
    for (const spelling of ['kabuki-0', 'KABUKI-0']) {
      const other = await match(spelling);
      const nearest = other.ranking.flatMap((r) => r.nearest.map((n) => n.patientId.toLowerCase()));
      expect(nearest).not.toContain('kabuki-0');
      expect(other.bestSimilarity).toBeLessThan(0.9999);
      expect(other).toEqual(stored);
      expect(other.caseId).toBe('Kabuki-0');
    }
  });
});
