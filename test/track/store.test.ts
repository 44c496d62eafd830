import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { HEARTBEAT_TIMEOUT, MIGRATIONS, Store } from '../../src/track/store.js';
import { init } from '../../src/track/tracker.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'specnet-track-'));

test('a new store is at the latest schema version in WAL mode; an old one is migrated', () => {
  const dir = tmp();
  const s = new Store(dir);
  assert.equal(s.version(), MIGRATIONS.length);
  assert.equal(s.db.pragma('journal_mode', { simple: true }), 'wal');
  s.close();
  const old = tmp();
  const db = new Database(join(old, 'specnet.db'));
  db.exec(MIGRATIONS[0]);
  db.pragma('user_version = 1');
  db.prepare("INSERT INTO runs (id, project, name, status, created, updated, heartbeat, pid) VALUES ('a', 'p', 'kept', 'finished', 1, 1, 1, 1)").run();
  db.close();
  const up = new Store(old);
  assert.equal(up.version(), MIGRATIONS.length);
  assert.ok(up.db.prepare("SELECT name FROM sqlite_master WHERE name = 'runs_grp'").get(), 'migration 2 ran');
  assert.equal(up.runs()[0].name, 'kept', 'rows survive the migration');
  up.close();
});

test('the tracker logs steps, merges a second log at the same step, keeps the summary and the final status', () => {
  const dir = tmp();
  const run = init({ dir, project: 'p', name: 'r1', group: 'g', config: { lr: 0.1 }, tags: ['t'] });
  run.log({ loss: 2 }, 1);
  run.log({ loss: 1.5 }, 2);
  run.log({ val_macro_f1: 0.5, epoch: 1 }, 2);
  run.log({ loss: 1 });
  run.summary.best = 0.5;
  run.logConfusionMatrix('test/confusion', [[1, 0], [0, 1]], ['a', 'b']);
  run.logImage('sample', { data: new Float32Array(16).fill(0.5), height: 4, width: 4 });
  run.finish('finished');
  const s = new Store(dir);
  const r = s.runs()[0];
  assert.equal(r.status, 'finished');
  assert.deepEqual(r.summary, { best: 0.5 });
  assert.deepEqual(r.config, { lr: 0.1 });
  const h = s.history({ run: r.id });
  assert.deepEqual(h.map((x) => x.step), [1, 2, 3]);
  assert.deepEqual(h[1].data, { loss: 1.5, val_macro_f1: 0.5, epoch: 1 });
  const arts = s.artifacts(r.id);
  assert.deepEqual(arts.map((a) => a.kind), ['confusion', 'image']);
  assert.match(arts[1].path!, /^media\//);
  s.close();
});

test('a running run without a recent heartbeat shows as crashed; a stop request reaches the run', () => {
  const dir = tmp();
  const run = init({ dir, name: 'stale' });
  const s = new Store(dir);
  assert.equal(s.run(run.id)!.status, 'running');
  assert.equal(run.pollStop(), false);
  assert.equal(s.requestStop(run.id), true);
  assert.equal(run.pollStop(), true);
  s.db.prepare('UPDATE runs SET heartbeat = heartbeat - ? WHERE id = ?').run(HEARTBEAT_TIMEOUT + 5, run.id);
  assert.equal(s.run(run.id)!.status, 'crashed');
  run.finish('stopped');
  assert.equal(s.run(run.id)!.status, 'stopped');
  assert.equal(s.requestStop(run.id), false, 'a finished run cannot be asked to stop');
  s.close();
});

test('several processes logging at once lose and duplicate no rows while a reader polls', async () => {
  const dir = tmp();
  const steps = 400, writers = 3;
  const src = `import { init } from ${JSON.stringify(new URL('../../src/track/tracker.js', import.meta.url).href)};
    const run = init({ dir: process.argv[1], name: 'w' + process.argv[2], heartbeatSeconds: 0.05 });
    for (let s = 1; s <= ${steps}; s++) run.log({ loss: 1 / s, lr: 0.1 }, s);
    run.finish('finished');`;
  const reader = new Store(dir);
  let reads = 0, stop = false;
  const poll = (async () => { while (!stop) { reader.history({ after: 0 }); reader.runs(); reads++; await new Promise((r) => setTimeout(r, 5)); } })();
  await Promise.all(Array.from({ length: writers }, (_, i) => new Promise<void>((ok, fail) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', src, dir, String(i)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (code) => (code === 0 ? ok() : fail(new Error(`writer ${i} exited ${code}: ${err}`))));
  })));
  stop = true;
  await poll;
  const rows = reader.db.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT run || \':\' || step) AS d FROM history').get() as { n: number; d: number };
  assert.equal(rows.n, steps * writers);
  assert.equal(rows.d, steps * writers);
  assert.ok(reads > 0);
  assert.deepEqual(reader.runs().map((r) => r.status), new Array(writers).fill('finished'));
  reader.close();
});
