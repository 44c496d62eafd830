/**
 * `npm run bench:track`: the tracker and dashboard under load. N writer
 * processes (as `matrix --jobs N` would start) each log a row at every step,
 * as fast as a small model trains, for a while; the dashboard serves the runs
 * folder in its own process and a browser page has it open (Debian's chromium,
 * when installed). At the end it counts the rows in the store (none lost, none
 * duplicated) and reports the update delay: from a row's log() call to its
 * arrival by the dashboard's server push, in the page and in a plain client.
 *
 *   npm run bench:track                               # 8 runs, 60 s, a step every 20 ms
 *   npm run bench:track -- --runs 4 --seconds 10 --interval 5
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { init } from '../src/track/tracker.js';
import { Store } from '../src/track/store.js';

const program = new Command('bench-track')
  .option('--runs <n>', 'writer processes', (v) => Number(v), 8)
  .option('--seconds <s>', 'how long each logs', (v) => Number(v), 60)
  .option('--interval <ms>', 'time between steps in each writer', (v) => Number(v), 20)
  .option('--no-browser', 'no browser page (the plain client only)')
  .option('--json', 'print the result as one JSON object')
  .option('--writer <dir>', '(internal) be one writer logging into <dir>')
  .option('--name <name>', '(internal) the writer\'s run name', 'load');
program.parse();
const o = program.opts<{ runs: number; seconds: number; interval: number; browser: boolean; json?: boolean; writer?: string; name: string }>();
const SELF = fileURLToPath(import.meta.url);
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const say = (s: string) => { if (!o.json) process.stderr.write(s + '\n'); };

/** One writer: a run that logs loss, accuracy and the wall-clock time of the call at every step, then finishes. */
async function writer(dir: string): Promise<void> {
  const run = init({ dir, project: 'load', name: o.name, group: 'load', config: { interval: o.interval } });
  const end = Date.now() + o.seconds * 1000;
  let step = 0;
  while (Date.now() < end) {
    run.log({ loss: 2 / (1 + step / 100) + Math.random() * 0.1, accuracy: Math.min(1, step / 2000), sent: Date.now() }, step);
    step++;
    await new Promise((ok) => setTimeout(ok, o.interval));
  }
  run.finish('finished');
  process.stdout.write(JSON.stringify({ name: o.name, id: run.id, steps: step }) + '\n');
}

const quantile = (xs: number[], q: number) => { if (!xs.length) return NaN; const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };

/** A plain server-sent-events client: the delay of every history row it receives. */
function sseClient(url: string): { delays: number[]; rows: Set<string>; close(): void } {
  const delays: number[] = [], rows = new Set<string>();
  let buf = '';
  const req = request(new URL('api/events', url), (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end); buf = buf.slice(end + 2);
        if (!block.startsWith('event: history')) continue;
        const now = Date.now();
        const data = JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { run: string; step: number; data: { sent: number } }[];
        for (const r of data) { delays.push(now - r.data.sent); rows.add(`${r.run}/${r.step}`); }
      }
    });
  });
  req.on('error', () => { /* closed at the end */ });
  req.end();
  return { delays, rows, close: () => req.destroy() };
}

function waitForLine(child: ChildProcess, re: RegExp): Promise<RegExpExecArray> {
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d; const m = re.exec(out); if (m) ok(m); });
    child.on('close', (code) => fail(new Error(`exited with ${code} before printing ${re}: ${out}`)));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'specnet-load-'));
  const dash = spawn(process.execPath, [CLI, 'dashboard', '--runs-dir', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = (await waitForLine(dash, /on (http:\/\/\S+\/)/))[1];
    say(`bench: dashboard ${url}; ${o.runs} writers logging every ${o.interval} ms for ${o.seconds} s`);
    // the first run appears before the page opens, so that the page charts the 'load' group
    const writers = Array.from({ length: o.runs }, (_, i) => spawn(process.execPath, [SELF, '--writer', dir, '--name', `load-${i + 1}`, '--seconds', String(o.seconds), '--interval', String(o.interval)], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const reports = writers.map((w) => waitForLine(w, /^(\{.*\})$/m).then((m) => JSON.parse(m[1]) as { name: string; id: string; steps: number }));
    const client = sseClient(url);
    let page: { delays: () => Promise<number[]>; close: () => Promise<void> } | null = null;
    if (o.browser && existsSync(CHROMIUM)) {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
      const p = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
      await p.goto(url);
      await p.locator('#runs tbody tr').first().waitFor({ timeout: 30_000 });
      await p.selectOption('#metric', 'loss');   // every step of every run on the chart: the heaviest view
      // a listener in the page itself: rows arrive on the same main thread that redraws the table and chart
      await p.evaluate(() => {
        const w = window as unknown as { __delays: number[] };
        w.__delays = [];
        new EventSource('/api/events').addEventListener('history', (e) => {
          const now = Date.now();
          for (const r of JSON.parse((e as MessageEvent).data) as { data: { sent: number } }[]) w.__delays.push(now - r.data.sent);
        });
      });
      page = { delays: () => p.evaluate(() => (window as unknown as { __delays: number[] }).__delays), close: () => browser.close() };
    } else say(`bench: no browser page (${o.browser ? `${CHROMIUM} missing` : '--no-browser'})`);
    const logged = await Promise.all(reports);
    await new Promise((ok) => setTimeout(ok, 2000));   // the last rows' push
    const pageDelays = page ? await page.delays() : [];
    await page?.close();
    client.close();

    const store = new Store(dir, { readonly: true });
    const perRun = logged.map((w) => {
      const rows = store.history({ run: w.id });
      const steps = new Set(rows.map((r) => r.step));
      let missing = 0;
      for (let s = 0; s < w.steps; s++) if (!steps.has(s)) missing++;
      return { name: w.name, logged: w.steps, rows: rows.length, missing, duplicated: rows.length - steps.size };
    });
    store.close();
    const total = perRun.reduce((a, r) => a + r.logged, 0);
    const result = {
      runs: o.runs, seconds: o.seconds, intervalMs: o.interval, rowsLogged: total, rowsStored: perRun.reduce((a, r) => a + r.rows, 0),
      lost: perRun.reduce((a, r) => a + r.missing, 0), duplicated: perRun.reduce((a, r) => a + r.duplicated, 0),
      rowsPerSecond: total / o.seconds, pushedToClient: client.rows.size,
      clientDelayMs: { p50: quantile(client.delays, 0.5), p95: quantile(client.delays, 0.95), max: Math.max(...client.delays) },
      pageDelayMs: pageDelays.length ? { rows: pageDelays.length, p50: quantile(pageDelays, 0.5), p95: quantile(pageDelays, 0.95), max: Math.max(...pageDelays) } : null,
      perRun,
    };
    if (o.json) { process.stdout.write(JSON.stringify(result) + '\n'); return; }
    console.log(`\n${o.runs} runs × ${o.seconds} s, a step every ${o.interval} ms: ${total} rows logged (${result.rowsPerSecond.toFixed(0)} rows/s), ${result.rowsStored} in the store, ${result.lost} lost, ${result.duplicated} duplicated`);
    console.log(`server push to a plain client: ${client.rows.size} rows; delay from log() p50 ${result.clientDelayMs.p50} ms, p95 ${result.clientDelayMs.p95} ms, max ${result.clientDelayMs.max} ms`);
    if (result.pageDelayMs) console.log(`in the open dashboard page: ${result.pageDelayMs.rows} rows; delay p50 ${result.pageDelayMs.p50} ms, p95 ${result.pageDelayMs.p95} ms, max ${result.pageDelayMs.max} ms`);
    if (result.lost || result.duplicated) process.exitCode = 1;
  } finally {
    dash.kill('SIGINT');
    rmSync(dir, { recursive: true, force: true });
  }
}

(o.writer ? writer(o.writer) : main()).catch((e: Error) => { process.stderr.write(`bench: ${e.message}\n`); process.exit(1); });
