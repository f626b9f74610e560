// One process appending `count` entries to the audit log of the store at `target` as `user`, starting at
// `startAt` (ms since the epoch) so that two such processes append at once.
const [dist, target, user, count, startAt] = process.argv.slice(2);
const { Store } = await import(`${dist}/src/main/store/store.js`);

const store = Store.open(target, { osUser: user });
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, Number(startAt) - Date.now()));
try {
  for (let i = 0; i < Number(count); i++) store.audit.record('case.open', `${user}-${i % 3}`, { i });
} finally {
  store.close();
}
