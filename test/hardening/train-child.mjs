// Runs the Service's model.train job (the learnt face space, trained in its worker thread) on a data
// directory, as the app does, so that a SIGKILL at a random moment lands in it. Runs the compiled build.
const [dist, dataDir, modelsDir] = process.argv.slice(2);
const { Service } = await import(`${dist}/src/main/service/service.js`);

let started = false;
let finished;
const done = new Promise((resolve) => (finished = resolve));
const service = await Service.open({
  dataDir,
  modelsDir,
  host: 'browser',
  emit: (event) => {
    // Tells the test that the job proper begins: its kill times are counted from here.
    if (event.name === 'job.progress' && !started) process.stdout.write('training started\n');
    if (event.name === 'job.progress') started = true;
    if (event.name === 'job.finished') finished(event.payload);
  },
});
try {
  const reply = await service.handle('model.train', {});
  if (!reply.ok) throw new Error(reply.error);
  const end = await done;
  if (end.status !== 'done') throw new Error(`model.train ${end.status}: ${end.error}`);
  process.stdout.write(`${JSON.stringify({ summary: end.result.summary })}\n`);
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 1;
} finally {
  await service.close();
}
