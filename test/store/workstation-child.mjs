// One workstation of a department: opens the shared store as `user` and, `cases` times, opens the shared
// case, creates and edits a case of its own meanwhile, then appends a line to the shared case's notes,
// saving with the updatedAt it opened it with. A stale save (the other workstation saved in between) is
// refused; the workstation opens the case again and redoes its change. Prints how many were refused.
// Both start at `startAt` (ms since the epoch), so that their edits overlap.
const [dist, target, user, cases, startAt] = process.argv.slice(2);
const { Store } = await import(`${dist}/src/main/store/store.js`);
const { StaleCaseError } = await import(`${dist}/src/main/store/repos/patients.js`);

const store = Store.open(target, { osUser: user });
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, Number(startAt) - Date.now()));
let refused = 0;
try {
  for (let i = 0; i < Number(cases); i++) {
    let shared = store.patients.get('SHARED');
    const id = `${user}-${String(i).padStart(2, '0')}`;
    store.patients.create({ pseudonym: id, sex: 'female' });
    store.patients.update(id, { notes: `seen by ${user}` });
    for (;;) {
      try {
        store.patients.update(
          'SHARED',
          { notes: `${shared.notes}${user} ${i}\n` },
          { expectedUpdatedAt: shared.updatedAt },
        );
        break;
      } catch (err) {
        if (!(err instanceof StaleCaseError)) throw err;
        refused += 1;
        shared = store.patients.get('SHARED');
      }
    }
  }
  console.log(JSON.stringify({ refused }));
} finally {
  store.close();
}
