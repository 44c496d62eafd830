/**
 * The dashboard in a real browser (Playwright driving Debian's Chromium): a real
 * training process logs to the store, the page's chart gains points while it
 * trains, the stop button ends it as `stopped` with a checkpoint on disk, and a
 * run named like a script shows as text. Skipped where /usr/bin/chromium is
 * missing, unless SPECNET_REQUIRE_BROWSER=1 (CI sets it: there it must run).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { synthesizeCorpus } from '../../src/data/synth.js';
import { startDashboard } from '../../src/track/server.js';

const CHROMIUM = '/usr/bin/chromium';
const required = process.env.SPECNET_REQUIRE_BROWSER === '1';
const skip = !existsSync(CHROMIUM) && !required ? `no ${CHROMIUM} (apt-get install chromium)` : false;
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const NAME = '<script>alert(1)</script>';

test('live chart, stop button and escaping in a real browser', { skip, timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'specnet-browser-'));
  const data = join(dir, 'data'), runs = join(dir, 'runs'), out = join(dir, 'run');
  await synthesizeCorpus({ out: data, speakers: 4, repetitions: 2, sampleRate: 8000, seed: 3, femaleFraction: 0.25 });
  mkdirSync(runs);
  const dash = await startDashboard({ dir: runs, port: 0, pollMs: 200 });
  const child = spawn(process.execPath, [CLI, 'train', '--data', data, '--model', 'lenet5', '--epochs', '100000', '--batch-size', '8',
    '--runs-dir', runs, '--name', NAME, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SPECNET_NUM_THREADS: '1' } });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((ok) => child.on('close', ok));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1300, height: 1400 } });
    let dialogs = 0;
    page.on('dialog', (d) => { dialogs++; void d.dismiss(); });
    await page.goto(dash.url);
    const row = page.locator('#runs tbody tr').first();
    await row.waitFor({ timeout: 60_000 });
    await assert.doesNotReject(page.locator('#live.on').waitFor({ timeout: 10_000 }), 'the event stream connects');
    assert.equal(await row.locator('td').nth(1).textContent(), NAME, 'the run name shows as text');
    await row.click();
    const points = async () => Number(await page.locator('#chart').getAttribute('data-points') ?? 0);
    await page.waitForFunction(() => Number(document.querySelector('#chart')?.getAttribute('data-points') ?? 0) >= 2, null, { timeout: 60_000 });
    const before = await points();
    await page.waitForFunction((n) => Number(document.querySelector('#chart')?.getAttribute('data-points') ?? 0) > n + 2, before, { timeout: 60_000 });
    assert.ok(await points() > before, 'the chart gains points while the run trains, without a reload');
    if (process.env.SPECNET_SCREENSHOTS) await page.screenshot({ path: join(process.env.SPECNET_SCREENSHOTS, 'live.png'), fullPage: true });
    await page.locator('#stop').click();
    await page.locator('#status', { hasText: 'stopped' }).waitFor({ timeout: 60_000 });
    assert.equal(await exited, 130, `the trainer ends as stopped (exit 130): ${stderr.slice(-300)}`);
    assert.ok(existsSync(join(out, 'last.safetensors')), 'a resumable checkpoint is on disk');
    assert.equal(dialogs, 0, 'no script from a run name ran');
    assert.equal(await page.locator('#runs tbody tr .badge').first().textContent(), 'stopped');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await browser.close();
    await dash.close();
  }
});
