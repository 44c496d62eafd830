/**
 * Property-based fuzzing of the tracker's HTTP API: random methods, paths (with encodings,
 * traversal attempts, unknown runs), queries and headers (Host, Origin, Authorization, cookies)
 * against a real dashboard on a loopback port, with and without a token. The property: an answer
 * from the expected set, never a 500, never a 2xx without the token or for a foreign Host, never a
 * stop that the request had no right to make; and the server still answers afterwards.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { startDashboard } from '../../src/track/server.js';
import { init } from '../../src/track/tracker.js';

interface Reply { status: number; body: string }
function call(port: number, o: { method: string; path: string; headers: Record<string, string> }): Promise<Reply> {
  return new Promise((ok, fail) => {
    // no Host header at all when none is given (HTTP/1.0 clients): Node would add its own
    const req = request({ host: '127.0.0.1', port, method: o.method, path: o.path, headers: o.headers, setHost: 'host' in o.headers, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      // an event stream never ends: its first bytes are enough
      res.on('data', (c: string) => { body += c; if (res.headers['content-type']?.startsWith('text/event-stream')) req.destroy(); });
      if (o.method === 'HEAD') { ok({ status: res.statusCode ?? 0, body }); req.destroy(); return; }
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
      res.on('close', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? ok({ status: -1, body: '' }) : fail(e)));
    req.on('timeout', () => { req.destroy(); fail(new Error(`no answer to ${o.method} ${o.path} in 5 s`)); });
    req.end();
  });
}

const TOKEN = 'fuzz-token-abcdefghij-0123';
const segment = fc.oneof(fc.constantFrom('api', 'runs', 'history', 'system', 'artifacts', 'stop', 'export.csv', 'export.json', 'events', 'static', 'uplot.js', 'specnet.db',
  '..', '%2e%2e', '%2F', '%00', '%', '%ZZ', 'RUN', '', 'index.html', '..%2f..%2fetc%2fpasswd', '%c0%ae%c0%ae'), fc.string({ maxLength: 6 }).map(encodeURIComponent));
const requestArb = (runId: string) => fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'),
  segments: fc.oneof(
    fc.constantFrom([], ['api', 'runs'], ['api', 'runs', runId], ['api', 'runs', runId, 'history'], ['api', 'runs', runId, 'stop'], ['api', 'runs', runId, 'export.csv'], ['api', 'history'], ['static', 'uplot.js'], ['artifacts', 'specnet.db'], ['api', 'events']),
    fc.array(fc.oneof(segment, fc.constant(runId)), { maxLength: 5 })),
  query: fc.option(fc.oneof(fc.constantFrom(`token=${TOKEN}`, 'token=', 'token=wrong', 'after=-1', 'after=1e400', 'after=abc', 'group=x', 'after=3'), fc.string({ maxLength: 10 }).map(encodeURIComponent))),
  host: fc.oneof({ arbitrary: fc.constantFrom('127.0.0.1', 'localhost', '[::1]', 'LOCALHOST', '127.1.2.3'), weight: 3 }, fc.constantFrom('attacker.example', '127.0.0.1.nip.io', '127.0.0.256', ''), fc.domain()),
  origin: fc.option(fc.oneof(fc.constantFrom('null', 'http://127.0.0.1', 'http://attacker.example', 'file://', 'garbage'), fc.webUrl())),
  auth: fc.option(fc.constantFrom(`Bearer ${TOKEN}`, 'Bearer ', 'Bearer wrong-token-of-length', TOKEN, `bearer ${TOKEN}`)),
  cookie: fc.option(fc.constantFrom(`specnet_token=${TOKEN}`, 'specnet_token=', 'specnet_token=x; specnet_token=y')),
  page: fc.boolean(),
});

for (const mode of ['loopback, no token', 'any address, token'] as const) {
  test(`fuzz the HTTP API (${mode}): expected answers only, no 500, nothing behind the doors`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'specnet-fuzz-http-'));
    const run = init({ dir, name: 'fuzzed' });
    run.log({ loss: 1, val_macro_f1: 0.5 }, 1);
    const guarded = mode !== 'loopback, no token';
    const d = await startDashboard(guarded ? { dir, host: '0.0.0.0', port: 0, token: TOKEN } : { dir, port: 0 });
    const port = Number(new URL(d.url).port);
    let statuses = new Map<number, number>();
    try {
      await fc.assert(fc.asyncProperty(requestArb(run.id), async (r) => {
        const headers: Record<string, string> = r.host ? { host: `${r.host}:${port}` } : {};
        if (r.origin !== null) headers.origin = r.origin;
        if (r.auth !== null) headers.authorization = r.auth;
        if (r.cookie !== null) headers.cookie = r.cookie;
        if (r.page) headers['x-specnet'] = '1';
        const path = '/' + r.segments.join('/') + (r.query !== null ? `?${r.query}` : '');
        const reply = await call(port, { method: r.method, path, headers });
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        if (!r.host) assert.equal(reply.status, 400, 'no Host header');
        assert.ok([200, 400, 401, 403, 404, 405, 409, 421, -1].includes(reply.status), `${r.method} ${path} ${JSON.stringify(headers)} → ${reply.status} ${reply.body.slice(0, 200)}`);
        const hostName = r.host.toLowerCase().replace(/^\[|\]$/g, '');
        const loopbackName = ['localhost', '::1'].includes(hostName) || /^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(hostName);
        if (reply.status === 200 && r.method === 'POST') {
          // a stop that landed: only from the page (its header), and from no foreign origin
          assert.ok(r.page, `a stop without the page header: ${path}`);
          let originHost: string | null = null;
          try { originHost = r.origin === null ? null : new URL(r.origin).hostname.replace(/^\[|\]$/g, ''); } catch { originHost = 'invalid'; }
          assert.ok(r.origin === null || (guarded ? originHost === hostName : ['localhost', '127.0.0.1', '::1'].includes(originHost ?? '')), `a stop from origin ${r.origin} for Host ${r.host}`);
        }
        if (reply.status === 200) {
          if (!guarded) assert.ok(loopbackName, `a 200 for Host ${r.host}`);
          else {
            const given = [r.auth?.replace(/^bearer\s+/i, ''), r.cookie?.match(/specnet_token=([^;]*)/)?.[1], r.query?.startsWith('token=') ? r.query.slice(6) : undefined];
            assert.ok(given.includes(TOKEN), `a 200 without the token: ${r.method} ${path} ${JSON.stringify(headers)}`);
          }
        }
      }), { seed: 4242, numRuns: 400 });
      // stop requests were made with the page header and Origins of every kind: only rightful ones may have landed
      const alive = await call(port, { method: 'GET', path: '/api/runs', headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${TOKEN}` } });
      assert.equal(alive.status, 200, 'the server still answers');
      assert.ok((statuses.get(200) ?? 0) > 10 && (statuses.get(guarded ? 401 : 421) ?? 0) > 10, `both sides of the door were reached: ${JSON.stringify([...statuses])}`);
    } finally { run.finish(); await d.close(); }
    statuses = new Map();
  });
}
