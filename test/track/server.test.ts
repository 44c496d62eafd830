import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { safeArtifactPath, startDashboard } from '../../src/track/server.js';
import { init } from '../../src/track/tracker.js';
import { Store } from '../../src/track/store.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'specnet-dash-'));

test('on 127.0.0.1 the API lists runs, their history, a CSV export, and the stop action needs the page header', async () => {
  const dir = tmp();
  const run = init({ dir, name: 'r' });
  run.log({ loss: 1 }, 1); run.log({ loss: 0.5, val_macro_f1: 0.7, epoch: 1 }, 2);
  const d = await startDashboard({ dir, port: 0 });
  try {
    assert.equal(d.token, null);
    const runs = await (await fetch(d.url + 'api/runs')).json() as { id: string; name: string }[];
    assert.deepEqual(runs.map((r) => r.name), ['r']);
    assert.equal((await (await fetch(`${d.url}api/runs/${run.id}/history`)).json() as unknown[]).length, 2);
    const csv = await (await fetch(`${d.url}api/runs/${run.id}/export.csv`)).text();
    assert.equal(csv.split('\n')[0], 'step,time,epoch,loss,val_macro_f1');
    assert.match(csv.split('\n')[2], /^2,[\d.]+,1,0\.5,0\.7$/);
    assert.equal((await fetch(`${d.url}api/runs/${run.id}/stop`, { method: 'POST' })).status, 403, 'no cross-site stop');
    assert.equal((await fetch(`${d.url}api/runs/${run.id}/stop`, { method: 'POST', headers: { 'X-Specnet': '1' } })).status, 200);
    assert.equal(run.pollStop(), true);
    const page = await (await fetch(d.url)).text();
    assert.match(page, /specnet dashboard/);
  } finally { run.finish('stopped'); await d.close(); }
});

test('bound to a non-loopback address, every page and API call without the token answers 401', async () => {
  const dir = tmp();
  const run = init({ dir, name: 'r' });
  const d = await startDashboard({ dir, host: '0.0.0.0', port: 0, token: 'secret-token-123' });
  const port = new URL(d.url).port;
  const base = `http://127.0.0.1:${port}`;
  try {
    for (const p of ['/', '/static/uplot.js', '/api/runs', `/api/runs/${run.id}`, `/api/runs/${run.id}/export.csv`, '/api/events', '/artifacts/specnet.db', '/nope']) {
      assert.equal((await fetch(base + p)).status, 401, p);
      assert.equal((await fetch(base + p, { headers: { authorization: 'Bearer wrong-token-1234' } })).status, 401, `${p} with a wrong token`);
    }
    assert.equal((await fetch(`${base}/api/runs/${run.id}/stop`, { method: 'POST', headers: { 'X-Specnet': '1' } })).status, 401);
    assert.equal(run.pollStop(), false);
    assert.equal((await fetch(base + '/api/runs', { headers: { authorization: 'Bearer secret-token-123' } })).status, 200);
    const first = await fetch(base + '/?token=secret-token-123');
    assert.equal(first.status, 200);
    const cookie = first.headers.get('set-cookie')!.split(';')[0];
    assert.equal((await fetch(base + '/api/runs', { headers: { cookie } })).status, 200, 'the cookie set by ?token= opens the API');
    const generated = await startDashboard({ dir, host: '0.0.0.0', port: 0 });
    assert.ok(generated.token && generated.token.length >= 20, 'a token is generated when none is given');
    await generated.close();
  } finally { run.finish(); await d.close(); }
});

test('artifact paths cannot leave the runs folder', async () => {
  const dir = tmp();
  const outside = tmp();
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(join(outside, 'secret.txt'), join(dir, 'link.txt'));
  const run = init({ dir, name: 'r' });
  const img = run.logImage('sample', { data: new Float32Array(4), height: 2, width: 2 });
  run.finish();
  assert.equal(safeArtifactPath(dir, '../' + outside.split('/').pop() + '/secret.txt'), null);
  assert.equal(safeArtifactPath(dir, outside + '/secret.txt'), null);
  assert.equal(safeArtifactPath(dir, 'link.txt'), null, 'a link that points outside');
  assert.ok(safeArtifactPath(dir, new Store(dir).artifacts(run.id)[0].path!)?.endsWith('.png'));
  const d = await startDashboard({ dir, port: 0 });
  try {
    for (const p of ['..%2F..%2Fetc%2Fpasswd', 'link.txt', '..%2Fspecnet.db', '%2Fetc%2Fpasswd']) {
      const r = await fetch(d.url + 'artifacts/' + p);
      assert.equal(r.status, 403, p);
    }
    // dot segments are resolved by the URL parser before routing: the request leaves /artifacts/ and finds nothing
    assert.equal((await fetch(d.url + 'artifacts/%2E%2E/%2E%2E/etc/passwd')).status, 404);
    const ok = await fetch(d.url + 'artifacts/' + img.slice(dir.length + 1));
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'image/png');
  } finally { await d.close(); }
});
