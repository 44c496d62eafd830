/**
 * The tracker's store: one embedded SQLite database (better-sqlite3) under the
 * runs folder, in WAL mode so that several training processes write while the
 * dashboard reads. Images and other artifacts are files beside it; the database
 * keeps their paths relative to the runs folder.
 *
 * Tables (schema version in PRAGMA user_version, upgraded by {@link MIGRATIONS}):
 *   runs      one row per run: identity, config, status, heartbeat, summary, stop request
 *   history   one row per (run, step): the metrics logged at that step, as JSON
 *   system    CPU, memory and throughput samples of a run's process
 *   artifacts images, confusion matrices, checkpoints and reports of a run
 */
import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { errorMessage } from '../util/fs.js';
import { dirname, join } from 'node:path';

export type RunStatus = 'running' | 'finished' | 'stopped' | 'failed' | 'crashed';

export interface RunRow {
  id: string; project: string; name: string; group: string | null; tags: string[];
  config: Record<string, unknown>; summary: Record<string, unknown>;
  status: RunStatus; created: number; updated: number; heartbeat: number; finished: number | null;
  pid: number; stopRequested: boolean;
}
export interface HistoryRow { id: number; run: string; step: number; t: number; data: Record<string, number> }
export interface SystemRow { id: number; run: string; t: number; cpu: number; rss: number; imagesPerSecond: number | null }
export interface ArtifactRow { id: number; run: string; kind: string; key: string; step: number | null; path: string | null; data: unknown; t: number }

/** A run whose heartbeat is older than this (seconds) while it says "running" has crashed. */
export const HEARTBEAT_TIMEOUT = 20;

/** Schema migrations, in order; migration i brings user_version from i to i + 1. */
export const MIGRATIONS: string[] = [
  `CREATE TABLE runs (
     id TEXT PRIMARY KEY, project TEXT NOT NULL, name TEXT NOT NULL, grp TEXT, tags TEXT NOT NULL DEFAULT '[]',
     config TEXT NOT NULL DEFAULT '{}', summary TEXT NOT NULL DEFAULT '{}', status TEXT NOT NULL,
     created REAL NOT NULL, updated REAL NOT NULL, heartbeat REAL NOT NULL, finished REAL, pid INTEGER NOT NULL,
     stop_requested INTEGER NOT NULL DEFAULT 0);
   CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, run TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     step INTEGER NOT NULL, t REAL NOT NULL, data TEXT NOT NULL, UNIQUE (run, step));
   CREATE TABLE system (id INTEGER PRIMARY KEY AUTOINCREMENT, run TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     t REAL NOT NULL, cpu REAL NOT NULL, rss REAL NOT NULL, ips REAL);
   CREATE TABLE artifacts (id INTEGER PRIMARY KEY AUTOINCREMENT, run TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     kind TEXT NOT NULL, key TEXT NOT NULL, step INTEGER, path TEXT, data TEXT, t REAL NOT NULL);
   CREATE INDEX history_run ON history (run, id);
   CREATE INDEX system_run ON system (run, id);
   CREATE INDEX artifacts_run ON artifacts (run, id);`,
  // v2: runs are listed newest first and filtered by group
  `CREATE INDEX runs_created ON runs (created); CREATE INDEX runs_grp ON runs (grp);`,
];

const now = () => Date.now() / 1000;

/** Whether this process may write the database file (and its folder, where SQLite keeps its -wal and -shm files). */
function writable(path: string): boolean {
  try {
    accessSync(dirname(path), constants.W_OK);
    if (existsSync(path)) accessSync(path, constants.W_OK);
    return true;
  } catch { return false; }
}

/** What to do about an SQLite error, when there is something to do. */
function hint(e: unknown): string {
  const code = (e as { code?: string }).code ?? '';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return '; the file is not a specnet runs database or is damaged: move it away, and specnet starts a new one';
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM')) return '; check that the folder exists and that you may write to it, or give another --runs-dir';
  return '';
}
const parse = <T>(s: string | null, fallback: T): T => (s ? JSON.parse(s) as T : fallback);

interface RawRun { id: string; project: string; name: string; grp: string | null; tags: string; config: string; summary: string; status: string; created: number; updated: number; heartbeat: number; finished: number | null; pid: number; stop_requested: number }

/** The runs database cannot be opened or used: names the file and says what to do. */
export class StoreError extends Error {
  constructor(message: string) { super(message); this.name = 'StoreError'; }
}

/**
 * A database in a folder we may not write to. SQLite reads a WAL database read-only only while its
 * -shm file exists (a writer is running); otherwise the file is complete, and is read whole into
 * memory (marked as a rollback-journal database, which the in-memory copy needs): a snapshot.
 */
function openReadOnly(path: string): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 10_000 });
  try { db.pragma('user_version', { simple: true }); return db; } catch (e) {
    db.close();
    if ((e as { code?: string }).code !== 'SQLITE_READONLY_DIRECTORY' && !(e as { code?: string }).code?.startsWith('SQLITE_CANTOPEN')) throw e;
  }
  const bytes = readFileSync(path);
  if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) { bytes[18] = 1; bytes[19] = 1; }
  return new Database(bytes, { readonly: true });
}

/** Open (and create or upgrade) the store of a runs folder. */
export class Store {
  readonly db: Database.Database;
  readonly root: string;
  readonly path: string;
  /** Opened read-only (a runs folder without write access, e.g. a copy on a read-only share): stop requests are refused. */
  readonly readonly: boolean;
  /** This call created the database (the runs folder had none). */
  readonly created: boolean;
  /**
   * `readonly: true` (the dashboard): opens with write access when the folder allows it (stop
   * requests write), else read-only, and then never turns on WAL or migrates. The writer
   * (`readonly` unset: the tracker) creates the folder and the database and upgrades its schema.
   */
  constructor(root: string, o: { readonly?: boolean } = {}) {
    this.root = root;
    this.path = join(root, 'specnet.db');
    this.created = !existsSync(this.path);
    const fail = (e: unknown, doing: string): never => {
      throw new StoreError(`${this.path}: cannot ${doing} the runs database (${errorMessage(e)})${hint(e)}`);
    };
    let db: Database.Database | null = null, readonly = false;
    try {
      mkdirSync(root, { recursive: true });
      db = new Database(this.path, { timeout: 10_000 });
      // SQLite opens a file it may not write read-only without a word: say so, or read it as such
      if (!writable(this.path)) throw Object.assign(new Error('attempt to write a readonly database (no write permission)'), { code: 'SQLITE_READONLY' });
      db.pragma('journal_mode = WAL');
    } catch (e) {
      db?.close();
      if (!o.readonly || !existsSync(this.path)) fail(e, 'open');
      // no write access: read what is there, as it is
      readonly = true;
      try { db = openReadOnly(this.path); } catch (e2) { fail(e2, 'read'); }
    }
    this.db = db!;
    this.readonly = readonly;
    try {
      if (!readonly) this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      const v = this.version();
      if (readonly) {
        if (v === 0 || v > MIGRATIONS.length) throw new Error(v === 0 ? 'not a specnet runs database (schema version 0)' : `schema version ${v} is newer than this specnet (${MIGRATIONS.length}); upgrade specnet`);
      } else if (!o.readonly || v < MIGRATIONS.length) this.migrate();
    } catch (e) {
      this.db.close();
      if (e instanceof StoreError) throw e;
      fail(e, readonly ? 'read' : 'use');
    }
  }

  version(): number { return this.db.pragma('user_version', { simple: true }) as number; }

  /** Apply the migrations this database has not seen, each in one transaction. */
  migrate(): void {
    this.db.transaction(() => {
      const v = this.version();
      if (v > MIGRATIONS.length) throw new StoreError(`${this.path}: schema version ${v} is newer than this specnet (${MIGRATIONS.length}); upgrade specnet`);
      for (let i = v; i < MIGRATIONS.length; i++) this.db.exec(MIGRATIONS[i]);
      this.db.pragma(`user_version = ${MIGRATIONS.length}`);
    }).immediate();
  }

  close(): void { this.db.close(); }

  createRun(r: { id: string; project: string; name: string; group?: string | null; tags?: string[]; config?: Record<string, unknown> }): void {
    const t = now();
    this.db.prepare(`INSERT INTO runs (id, project, name, grp, tags, config, status, created, updated, heartbeat, pid)
      VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`)
      .run(r.id, r.project, r.name, r.group ?? null, JSON.stringify(r.tags ?? []), JSON.stringify(r.config ?? {}), t, t, t, process.pid);
  }

  /**
   * Log metrics at a step; a second log at the same step merges into that row. The
   * merged row gets a new id, so readers that follow ids (the dashboard's push) see it.
   */
  log(run: string, step: number, data: Record<string, number>): void {
    this.db.transaction(() => {
      const old = this.db.prepare('DELETE FROM history WHERE run = ? AND step = ? RETURNING data').get(run, step) as { data: string } | undefined;
      this.db.prepare('INSERT INTO history (run, step, t, data) VALUES (?, ?, ?, ?)')
        .run(run, step, now(), JSON.stringify(old ? { ...JSON.parse(old.data) as object, ...data } : data));
    }).immediate();
  }

  heartbeat(run: string, sample?: { cpu: number; rss: number; imagesPerSecond: number | null }): boolean {
    const t = now();
    const tx = this.db.transaction(() => {
      this.db.prepare('UPDATE runs SET heartbeat = ?, pid = ? WHERE id = ?').run(t, process.pid, run);
      if (sample) this.db.prepare('INSERT INTO system (run, t, cpu, rss, ips) VALUES (?, ?, ?, ?, ?)').run(run, t, sample.cpu, sample.rss, sample.imagesPerSecond);
      return (this.db.prepare('SELECT stop_requested FROM runs WHERE id = ?').get(run) as { stop_requested: number } | undefined)?.stop_requested === 1;
    });
    return tx.immediate();
  }

  setSummary(run: string, summary: Record<string, unknown>): void {
    this.db.prepare('UPDATE runs SET summary = ?, updated = ? WHERE id = ?').run(JSON.stringify(summary), now(), run);
  }

  finish(run: string, status: Exclude<RunStatus, 'running' | 'crashed'>, summary?: Record<string, unknown>): void {
    const t = now();
    this.db.prepare('UPDATE runs SET status = ?, finished = ?, updated = ?, heartbeat = ?, summary = COALESCE(?, summary) WHERE id = ?')
      .run(status, t, t, t, summary ? JSON.stringify(summary) : null, run);
  }

  requestStop(run: string): boolean {
    if (this.readonly) throw new StoreError(`${this.path}: the runs folder is read-only here, so a stop cannot be requested`);
    return this.db.prepare("UPDATE runs SET stop_requested = 1, updated = ? WHERE id = ? AND status = 'running'").run(now(), run).changes === 1;
  }

  stopRequested(run: string): boolean {
    return (this.db.prepare('SELECT stop_requested FROM runs WHERE id = ?').get(run) as { stop_requested: number } | undefined)?.stop_requested === 1;
  }

  addArtifact(run: string, a: { kind: string; key: string; step?: number | null; path?: string | null; data?: unknown }): number {
    return Number(this.db.prepare('INSERT INTO artifacts (run, kind, key, step, path, data, t) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(run, a.kind, a.key, a.step ?? null, a.path ?? null, a.data === undefined ? null : JSON.stringify(a.data), now()).lastInsertRowid);
  }

  private toRun(r: RawRun, t: number): RunRow {
    const status = (r.status === 'running' && t - r.heartbeat > HEARTBEAT_TIMEOUT ? 'crashed' : r.status) as RunStatus;
    return {
      id: r.id, project: r.project, name: r.name, group: r.grp, tags: parse(r.tags, []), config: parse(r.config, {}),
      summary: parse(r.summary, {}), status, created: r.created, updated: r.updated, heartbeat: r.heartbeat,
      finished: r.finished, pid: r.pid, stopRequested: r.stop_requested === 1,
    };
  }

  /** Runs, newest first; a run that says "running" but has no recent heartbeat is reported as crashed. */
  runs(o: { group?: string } = {}): RunRow[] {
    const rows = (o.group
      ? this.db.prepare('SELECT * FROM runs WHERE grp = ? ORDER BY created DESC').all(o.group)
      : this.db.prepare('SELECT * FROM runs ORDER BY created DESC').all()) as RawRun[];
    const t = now();
    return rows.map((r) => this.toRun(r, t));
  }

  run(id: string): RunRow | null {
    const r = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RawRun | undefined;
    return r ? this.toRun(r, now()) : null;
  }

  /** History rows with id > after (all runs, or one), in insertion order. */
  history(o: { run?: string; after?: number; limit?: number } = {}): HistoryRow[] {
    const rows = (o.run
      ? this.db.prepare('SELECT * FROM history WHERE run = ? AND id > ? ORDER BY id LIMIT ?').all(o.run, o.after ?? 0, o.limit ?? 1e9)
      : this.db.prepare('SELECT * FROM history WHERE id > ? ORDER BY id LIMIT ?').all(o.after ?? 0, o.limit ?? 1e9)) as { id: number; run: string; step: number; t: number; data: string }[];
    return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, number> }));
  }

  system(run: string, after = 0): SystemRow[] {
    return (this.db.prepare('SELECT id, run, t, cpu, rss, ips AS imagesPerSecond FROM system WHERE run = ? AND id > ? ORDER BY id').all(run, after)) as SystemRow[];
  }

  artifacts(run: string): ArtifactRow[] {
    return (this.db.prepare('SELECT * FROM artifacts WHERE run = ? ORDER BY id').all(run) as (Omit<ArtifactRow, 'data'> & { data: string | null })[])
      .map((a) => ({ ...a, data: parse<unknown>(a.data, null) }));
  }

  /** The largest history row id: the dashboard pushes the rows after it. */
  lastHistoryId(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(id), 0) AS m FROM history').get() as { m: number }).m;
  }
}
