/**
 * `specnet dashboard`: the tracker's web app. Node's own http server, a JSON API
 * over the store, server-sent events for live updates, uPlot for the charts, and
 * one small page (dashboard_page.ts) with no framework.
 *
 * Security (docs/SECURITY.md): bound to 127.0.0.1 by default. Bound to any other
 * address it needs an access token of at least 16 characters: `?token=` on the
 * first page load (it is then kept in an HttpOnly cookie), or `Authorization:
 * Bearer <token>`; every page, API call, event stream, artifact and the stop
 * action check it (401 otherwise). On loopback, every request's Host (and a
 * state-changing request's Origin) must name this machine (DNS rebinding: 421 /
 * 403 otherwise). Artifact paths are resolved inside the runs folder and anything
 * that leaves it is refused.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, isAbsolute, resolve, sep } from 'node:path';
import { dashboardPage } from './dashboard_page.js';
import { Store, type HistoryRow } from './store.js';
import { uplotAssets } from '../util/web.js';

export interface DashboardOptions {
  /** The runs folder (holds specnet.db). */
  dir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Required when bound to a non-loopback address; generated when not given. */
  token?: string;
  /** How often the push loop looks for new rows (ms). */
  pollMs?: number;
  /** Host names besides this machine's loopback names that requests may address (a reverse proxy's name). */
  allowedHosts?: string[];
}

export interface Dashboard {
  url: string; token: string | null; server: Server;
  /** The runs folder could only be opened read-only (stop requests are refused). */
  readonly: boolean;
  /** The runs folder had no database: a new, empty one was created. */
  created: boolean;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const MIME: Record<string, string> = { '.png': 'image/png', '.json': 'application/json', '.html': 'text/html; charset=utf-8', '.md': 'text/markdown; charset=utf-8', '.csv': 'text/csv', '.safetensors': 'application/octet-stream' };

/** True for 127.0.0.1, ::1 and localhost: the addresses that need no token. */
export const isLoopback = (host: string): boolean => LOOPBACK.has(host) || /^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(host);   // not '127.0.0.1.attacker.example'

/** The shortest access token accepted (a generated one has 24 characters, 144 random bits). */
export const MIN_TOKEN_LENGTH = 16;

/**
 * Refuse a token that is easy to guess or breaks the headers it travels in: at least
 * {@link MIN_TOKEN_LENGTH} printable ASCII characters without spaces, not one character repeated.
 */
export function checkToken(token: string): void {
  const fix = 'leave --token out and one is generated';
  if (token.length < MIN_TOKEN_LENGTH) throw new Error(`dashboard: the access token must have at least ${MIN_TOKEN_LENGTH} characters, got ${token.length}${token.length ? '' : ' (an empty token would turn the login off)'}; ${fix}`);
  if (!/^[\x21-\x7e]+$/.test(token)) throw new Error(`dashboard: the access token must be printable ASCII without spaces (it travels in a URL, a cookie and a header); ${fix}`);
  if (new Set(token).size < 5) throw new Error(`dashboard: the access token repeats too few characters (${new Set(token).size} different) to resist guessing; ${fix}`);
}

/** The host name of a Host header or URL authority, lowercased, without its port: 'localhost:6006' → 'localhost', '[::1]:80' → '::1'. */
export function hostName(authority: string): string {
  const a = authority.trim().toLowerCase();
  if (a.startsWith('[')) return a.slice(1, a.indexOf(']') > 0 ? a.indexOf(']') : undefined);
  const colon = a.lastIndexOf(':');
  return colon >= 0 && a.indexOf(':') === colon ? a.slice(0, colon) : a;
}

/**
 * Whether a request may be answered, by the names it addresses (DNS rebinding: a page of
 * attacker.example whose name now points at 127.0.0.1 sends Host: attacker.example). Bound to
 * loopback, Host must be a loopback name or one of `allowed`; a state-changing request's Origin,
 * when sent, must be one too. Bound to another address the token guards every request, and an
 * Origin must still be the Host's own (no cross-site writes). Returns why not, or null.
 */
export function refuseForeignHost(req: IncomingMessage, boundLoopback: boolean, allowed: ReadonlySet<string>): { code: number; error: string } | null {
  const hostHeader = req.headers.host;
  if (!hostHeader) return { code: 400, error: 'refused: the request has no Host header' };
  const name = hostName(hostHeader);
  const known = (n: string) => isLoopback(n) || allowed.has(n);
  if (boundLoopback && !known(name)) {
    return { code: 421, error: `refused: Host '${hostHeader}' is not a name of this dashboard (it serves ${['localhost', '127.0.0.1', '[::1]', ...allowed].join(', ')}; start it with --allowed-hosts NAME to add one)` };
  }
  const origin = req.headers.origin;
  if (req.method !== 'GET' && req.method !== 'HEAD' && origin !== undefined) {
    let originHost: string | null = null;
    try { originHost = new URL(origin).host; } catch { /* 'null' or garbage */ }
    const ok = originHost !== null && (boundLoopback ? known(hostName(originHost)) : hostName(originHost) === name);
    if (!ok) return { code: 403, error: `refused: a ${req.method} from origin '${origin}' (only this dashboard's own page may change anything)` };
  }
  return null;
}

/**
 * Resolve an artifact path inside the runs folder; null when it would leave it
 * (`..`, an absolute path, or a symbolic link pointing outside).
 */
export function safeArtifactPath(root: string, rel: string): string | null {
  if (!rel || rel.includes('\0') || isAbsolute(rel)) return null;
  const base = realpathSync(root);
  const p = resolve(base, rel);
  if (!p.startsWith(base + sep)) return null;
  if (!existsSync(p)) return null;
  const real = realpathSync(p);
  return real.startsWith(base + sep) && statSync(real).isFile() ? real : null;
}

function send(res: ServerResponse, code: number, body: string | Buffer, type = 'application/json'): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}
const json = (res: ServerResponse, v: unknown, code = 200) => send(res, code, JSON.stringify(v));

/** A run's history as CSV: one row per step, one column per metric. */
export function historyCsv(rows: HistoryRow[]): string {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.data)))].sort();
  const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  return ['step,time,' + keys.join(','), ...rows.map((r) => [r.step, r.t, ...keys.map((k) => cell(r.data[k]))].join(','))].join('\n') + '\n';
}

/** Start the dashboard; resolves once it listens. */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const host = o.host ?? '127.0.0.1';
  if (o.token !== undefined) checkToken(o.token);
  const boundLoopback = isLoopback(host);
  const token = boundLoopback ? (o.token ?? null) : (o.token ?? randomBytes(18).toString('base64url'));
  const allowed = new Set((o.allowedHosts ?? []).map(hostName).filter(Boolean));
  const store = new Store(o.dir, { readonly: true });
  const root = resolve(o.dir);
  const uplot = uplotAssets();
  const clients = new Set<ServerResponse>();

  const authorized = (req: IncomingMessage, url: URL): 'ok' | 'query' | false => {
    if (!token) return 'ok';
    const given = url.searchParams.get('token')
      ?? req.headers.authorization?.replace(/^Bearer\s+/i, '')
      ?? /(?:^|;\s*)specnet_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    if (!given) return false;
    const a = Buffer.from(given), b = Buffer.from(token);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return false;
    return url.searchParams.has('token') ? 'query' : 'ok';
  };

  const server = createServer((req, res) => {
    const foreign = refuseForeignHost(req, boundLoopback, allowed);
    if (foreign) return send(res, foreign.code, JSON.stringify({ error: foreign.error }));
    let url: URL;
    try { url = new URL(req.url ?? '/', 'http://x'); } catch { return send(res, 400, JSON.stringify({ error: 'bad request URL' })); }
    const auth = authorized(req, url);
    if (!auth) return send(res, 401, JSON.stringify({ error: 'unauthorized: this dashboard needs its access token (?token=… or Authorization: Bearer …)' }));
    if (auth === 'query') res.setHeader('set-cookie', `specnet_token=${token}; HttpOnly; SameSite=Strict; Path=/`);
    try {
      route(req, res, url);
    } catch (e) {
      json(res, { error: (e as Error).message }, 500);
    }
  });

  const route = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const p = url.pathname;
    const m = /^\/api\/runs\/([\w-]+)(?:\/(history|system|artifacts|stop|export\.csv|export\.json))?$/.exec(p);
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST') return json(res, { error: `method ${req.method} is not allowed` }, 405);
    if (req.method === 'POST') {
      if (m && m[2] === 'stop') {
        // the stop action changes state: only from our own page (a custom header a cross-site form cannot send)
        if (req.headers['x-specnet'] !== '1') return json(res, { error: 'missing X-Specnet header' }, 403);
        if (store.readonly) return json(res, { error: 'the runs folder is read-only here: a stop cannot be requested' }, 409);
        const ok = store.requestStop(m[1]);
        return json(res, { ok, run: m[1] }, ok ? 200 : 409);
      }
      return json(res, { error: 'not found' }, 404);
    }
    if (p === '/' || p === '/index.html') return send(res, 200, dashboardPage(), 'text/html; charset=utf-8');
    if (p === '/static/uplot.js') return send(res, 200, uplot.js, 'text/javascript');
    if (p === '/static/uplot.css') return send(res, 200, uplot.css, 'text/css');
    if (p === '/api/runs') return json(res, store.runs({ group: url.searchParams.get('group') ?? undefined }));
    const after = Number(url.searchParams.get('after') ?? 0);
    if (!Number.isSafeInteger(after) || after < 0) return json(res, { error: `after should be a whole number ≥ 0, got '${url.searchParams.get('after')}'` }, 400);
    if (p === '/api/history') return json(res, store.history({ after }));
    if (p === '/api/events') return req.method === 'GET' ? events(req, res) : json(res, { error: 'the event stream is read with GET' }, 405);
    if (m) {
      const run = store.run(m[1]);
      if (!run) return json(res, { error: `no run '${m[1]}'` }, 404);
      switch (m[2]) {
        case undefined: return json(res, run);
        case 'history': return json(res, store.history({ run: run.id, after }));
        case 'system': return json(res, store.system(run.id));
        case 'artifacts': return json(res, store.artifacts(run.id));
        case 'export.csv': res.setHeader('content-disposition', `attachment; filename="${run.id}.csv"`); return send(res, 200, historyCsv(store.history({ run: run.id })), 'text/csv');
        case 'export.json': res.setHeader('content-disposition', `attachment; filename="${run.id}.json"`); return json(res, { run, history: store.history({ run: run.id }), system: store.system(run.id) });
        default: return json(res, { error: 'use POST' }, 405);
      }
    }
    if (p.startsWith('/artifacts/')) {
      let rel: string;
      try { rel = decodeURIComponent(p.slice('/artifacts/'.length)); } catch { return json(res, { error: 'bad path' }, 400); }
      const file = safeArtifactPath(root, rel);
      if (!file) return json(res, { error: `refused: '${rel}' is not a file inside the runs folder` }, 403);
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'x-content-type-options': 'nosniff' });
      createReadStream(file).pipe(res);
      return;
    }
    json(res, { error: 'not found' }, 404);
  };

  /** Server-sent events: new history rows and changed runs, pushed as they land in the store. */
  const events = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    clients.add(res);
    req.on('close', () => clients.delete(res));
  };
  // runs are compared whole, not by a change mark: "crashed" appears by the clock, without a write
  let lastId = store.lastHistoryId();
  let lastRuns = JSON.stringify(store.runs());
  const poll = setInterval(() => {
    if (!clients.size) { lastId = store.lastHistoryId(); return; }
    try {
      const rows = store.history({ after: lastId });
      const runsNow = JSON.stringify(store.runs());
      const changed = runsNow !== lastRuns;
      if (rows.length) lastId = rows[rows.length - 1].id;
      lastRuns = runsNow;
      const msg = (rows.length ? `event: history\ndata: ${JSON.stringify(rows)}\n\n` : '') + (changed ? `event: runs\ndata: ${runsNow}\n\n` : '');
      for (const c of clients) c.write(msg || ': keep-alive\n\n');
    } catch { /* the store was busy: next tick */ }
  }, o.pollMs ?? 500);

  await new Promise<void>((ok, fail) => { server.once('error', fail); server.listen(o.port ?? 6006, host, () => ok()); });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shown}:${addr.port}/`, token, server, readonly: store.readonly, created: store.created,
    close: () => new Promise<void>((ok) => {
      clearInterval(poll);
      for (const c of clients) c.end();
      server.close(() => { store.close(); ok(); });
      server.closeAllConnections();
    }),
  };
}
