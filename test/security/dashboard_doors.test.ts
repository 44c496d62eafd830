/**
 * The dashboard's doors (docs/SECURITY.md): weak tokens refused, DNS rebinding refused by the Host
 * check on loopback, cross-origin writes refused, a read-only runs folder served read-only.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { checkToken, hostName, startDashboard } from '../../src/track/server.js';
import { init } from '../../src/track/tracker.js';
import { Store } from '../../src/track/store.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'specnet-doors-'));

/** One HTTP request with the headers a browser would not let a page set (Host). */
function call(url: string, o: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('weak tokens are refused: empty, short, one character repeated, with spaces', () => {
  for (const t of ['', 'a', 'short-token', 'aaaaaaaaaaaaaaaaaaaaaaaa', 'has a space in it 12345']) assert.throws(() => checkToken(t), /dashboard: the access token/, JSON.stringify(t));
  checkToken('secret-token-123');
  for (const t of ['', 'a']) {
    const r = spawnSync(process.execPath, [CLI, 'dashboard', '--host', '0.0.0.0', '--port', '0', '--token', t, '--runs-dir', tmp()], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 1, `--token ${JSON.stringify(t)}: ${r.stderr}`);
    assert.match(r.stderr, /^specnet: dashboard: the access token must have at least 16 characters/);
  }
});

test('host names are read from Host headers as browsers send them', () => {
  assert.equal(hostName('localhost:6006'), 'localhost');
  assert.equal(hostName('127.0.0.1'), '127.0.0.1');
  assert.equal(hostName('[::1]:8080'), '::1');
  assert.equal(hostName('Attacker.Example:80'), 'attacker.example');
});

test('on loopback without a token: a foreign Host gets 421 and a foreign Origin cannot stop a run (DNS rebinding)', async () => {
  const dir = tmp();
  const run = init({ dir, name: 'live' });
  const d = await startDashboard({ dir, port: 0, allowedHosts: ['proxy.internal'] });
  const port = new URL(d.url).port;
  try {
    assert.equal((await call(`${d.url}api/runs`)).status, 200);
    assert.equal((await call(`${d.url}api/runs`, { headers: { host: `localhost:${port}` } })).status, 200);
    assert.equal((await call(`${d.url}api/runs`, { headers: { host: `proxy.internal` } })).status, 200, 'an allowed name');
    const foreign = await call(`${d.url}api/runs`, { headers: { host: `attacker.example:${port}` } });
    assert.equal(foreign.status, 421);
    assert.match(foreign.body, /Host 'attacker\.example:\d+' is not a name of this dashboard/);
    for (const p of ['/', '/artifacts/specnet.db', '/api/events']) assert.equal((await call(`${d.url.slice(0, -1)}${p}`, { headers: { host: `attacker.example:${port}` } })).status, 421, p);
    // the rebinding attack's stop: its Host and its matching Origin
    const stop = (headers: Record<string, string>) => call(`${d.url}api/runs/${run.id}/stop`, { method: 'POST', headers: { 'x-specnet': '1', ...headers } });
    assert.equal((await stop({ host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` })).status, 421);
    assert.equal((await stop({ origin: `http://attacker.example:${port}` })).status, 403, 'a loopback Host with a foreign Origin');
    assert.equal((await stop({ origin: 'null' })).status, 403);
    assert.equal(run.pollStop(), false, 'the run goes on');
    assert.equal((await stop({ origin: `http://127.0.0.1:${port}` })).status, 200, 'the page itself may stop it');
    assert.equal(run.pollStop(), true);
  } finally { run.finish('stopped'); await d.close(); }
});

test('with a token on any address: no token is 401, a foreign Origin cannot write even with the token', async () => {
  const dir = tmp();
  const run = init({ dir, name: 'live' });
  const token = 'a-good-token-0123456789';
  const d = await startDashboard({ dir, host: '0.0.0.0', port: 0, token });
  const base = `http://127.0.0.1:${new URL(d.url).port}`;
  try {
    assert.equal((await call(`${base}/api/runs`)).status, 401);
    assert.equal((await call(`${base}/api/runs`, { headers: { authorization: `Bearer ${token}`, host: 'my-box.lan:6006' } })).status, 200, 'any name: the token guards');
    const r = await call(`${base}/api/runs/${run.id}/stop`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-specnet': '1', host: 'my-box.lan:6006', origin: 'http://evil.example' } });
    assert.equal(r.status, 403);
    assert.equal(run.pollStop(), false);
    assert.equal((await call(`${base}/api/runs`, { headers: { authorization: `Bearer ${token}` }, method: 'GET' })).status, 200);
    assert.equal((await call(`${base}/api/history?after=abc`, { headers: { authorization: `Bearer ${token}` } })).status, 400);
  } finally { run.finish(); await d.close(); }
});

test('a read-only runs folder is served read-only: the runs are listed, a stop is refused with 409', async (t) => {
  // root ignores permission bits: it runs the child without the capabilities that let it (CAP_DAC_OVERRIDE and
  // CAP_DAC_READ_SEARCH), so the bits bind it as they bind any user, and it can still read the checkout it owns
  const root = process.getuid?.() === 0;
  if (root && !existsSync('/usr/bin/setpriv')) { t.skip('root without setpriv: permissions do not bind root'); return; }
  // two folders: one closed by its last writer (no -wal/-shm: SQLite cannot open it read-only in place), and one
  // whose writer still has it open (-wal and -shm present: SQLite opens it, silently read-only)
  for (const writerOpen of [false, true]) {
    const dir = tmp();
    const writer = new Store(dir);
    const run = init({ dir, name: 'done' });
    run.log({ loss: 1 }, 1);
    run.finish();
    if (!writerOpen) writer.close();
    assert.equal(existsSync(join(dir, 'specnet.db-shm')), writerOpen, 'the case this loop means to test');
    chmodSync(dir, 0o555);
    for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o444);
    const script = `import('${new URL('../../src/track/server.js', import.meta.url).href}').then(async (m) => {
      const d = await m.startDashboard({ dir: ${JSON.stringify(dir)}, port: 0 });
      const runs = await (await fetch(d.url + 'api/runs')).json();
      const stop = await fetch(d.url + 'api/runs/' + runs[0].id + '/stop', { method: 'POST', headers: { 'x-specnet': '1' } });
      console.log(JSON.stringify({ readonly: d.readonly, runs: runs.length, stop: stop.status }));
      await d.close();
    })`;
    const node = [process.execPath, '--input-type=module', '-e', script];
    const [cmd, ...args] = root ? ['/usr/bin/setpriv', '--bounding-set=-dac_override,-dac_read_search', '--', ...node] : node;
    try {
      const out = execFileSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
      assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), { readonly: true, runs: 1, stop: 409 }, writerOpen ? 'writer open' : 'writer closed');
    } finally {
      chmodSync(dir, 0o755);
      for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
      if (writerOpen) writer.close();
    }
  }
});
