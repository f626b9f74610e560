/** The worker thread that owns the Service: started by ServiceHost, talks to it by messages only. */
import { parentPort, workerData } from 'node:worker_threads';
import { Service } from './service.js';
import type { AnyEvent, Reply } from '../../shared/api.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';
import { sweepUploads, withoutUploadFolders } from './uploads.js';

const port = parentPort;
if (!port) throw new Error('service-worker.js runs as a worker thread (see ServiceHost)');
const send = (msg: FromWorker) => port.postMessage(msg);

const init = workerData as WorkerInit;

// Every message leaves the Service here, for either host: none may name a private upload folder.
const clean = (text: string) => withoutUploadFolders(text, init.dataDir);
const cleanReply = (reply: Reply): Reply => (reply.ok ? reply : { ok: false, error: clean(reply.error) });
const cleanEvent = (event: AnyEvent): AnyEvent =>
  event.name === 'job.finished' && event.payload.error !== null
    ? { ...event, payload: { ...event.payload, error: clean(event.payload.error) } }
    : event;

// Uploads a killed run was using are nobody's now.
sweepUploads(init.dataDir);
Service.open({ ...init, emit: (event) => send({ type: 'event', event: cleanEvent(event) }) }).then(
  (service) => {
    port.on('message', (msg: ToWorker) => {
      if (msg.type === 'call') {
        void service
          .handle(msg.name, msg.input, msg.paths)
          .then((reply) => send({ type: 'reply', id: msg.id, reply: cleanReply(reply) }));
      } else {
        void service.close().finally(() => {
          send({ type: 'closed' });
          port.close();
        });
      }
    });
    send({ type: 'ready' });
  },
  (err: unknown) => {
    send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
    port.close();
  },
);
