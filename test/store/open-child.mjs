// Opens (creating and migrating if needed) a case store and adds one patient: run several at once.
const [dist, db, id] = process.argv.slice(2);
const { Store } = await import(`${dist}/src/main/store/store.js`);
const store = Store.open(db);
store.patients.create({ pseudonym: id });
store.close();
