import type Database from 'better-sqlite3';

/** The database handle the store's repositories are written against (one place to widen for other backends). */
export type Db = Database.Database;
