/** The worker thread that owns the Service: started by ServiceHost, talks to it by messages only. */
import { parentPort, workerData } from 'node:worker_threads';
import { Service } from '../service.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('service-worker.js runs as a worker thread (see ServiceHost)');
const send = (msg: FromWorker) => port.postMessage(msg);

const init = workerData as WorkerInit;
Service.open({ ...init, emit: (event) => send({ type: 'event', event }) }).then(
  (service) => {
    port.on('message', (msg: ToWorker) => {
      if (msg.type === 'call') {
        void service
          .handle(msg.name, msg.input, msg.paths)
          .then((reply) => send({ type: 'reply', id: msg.id, reply }));
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
