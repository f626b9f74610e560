/**
 * The gallery's map, clusters and average faces in their own thread (10,000 faces take half a minute of
 * synchronous work): it opens the store read-only with the configuration the Service opened it with (target
 * with its password, photo folder, role, user, key), sweeps nothing, and posts the view the app shows.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { UserError } from '../errors.js';
import { spaceView } from '../analysis/view.js';
import { Store } from '../store/store.js';
import type { SpaceView } from '../../shared/api.js';
import { analyseStoreGallery, type SpaceInput } from './analysis.js';
import type { JobWorkerMessage } from './threads.js';

type Message = JobWorkerMessage<{ view: SpaceView }>;

const port = parentPort;
if (!port) throw new Error('analysis-worker.js runs as a worker thread');
const input = workerData as SpaceInput;
const { modelId, seed } = input;

const store = Store.openConfig(input.store, { access: 'read' });
try {
  port.postMessage({
    type: 'progress',
    stage: 'maps, clusters and average faces',
    done: 0,
    total: 1,
  } satisfies Message);
  const analysis = await analyseStoreGallery(store, {
    modelId,
    seed,
    spaces: ['raw', 'learnt'],
    colourBy: 'syndrome',
    averages: true,
    maxAverage: 60,
  });
  port.postMessage({ type: 'result', view: spaceView(analysis) } satisfies Message);
} catch (err) {
  port.postMessage({
    type: 'failed',
    error: (err as Error).message,
    user: err instanceof UserError,
  } satisfies Message);
} finally {
  store.close();
}
