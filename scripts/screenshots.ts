/**
 * Screenshots of the dashboard for the docs (docs/img/): the runs table with the
 * 2 × 2 × 2 matrix view, the chart with a matrix's 8 runs overlaid, and one run's
 * page with its confusion matrix. Serves a runs folder, drives Debian's chromium.
 *
 *   npm run build && node dist/scripts/screenshots.js --runs-dir runs --out docs/img
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { chromium } from 'playwright-core';
import { startDashboard } from '../src/track/server.js';

const o = new Command('screenshots')
  .option('--runs-dir <dir>', 'the runs folder', 'runs')
  .option('--out <dir>', 'where the PNGs go', 'docs/img')
  .option('--metric <name>', 'the chart\'s metric', 'val_macro_f1')
  .parse().opts<{ runsDir: string; out: string; metric: string }>();

const dash = await startDashboard({ dir: resolve(o.runsDir), port: 0 });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  mkdirSync(o.out, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(dash.url);
  await page.locator('#runs tbody tr').first().waitFor();
  await page.selectOption('#metric', o.metric);
  await page.waitForFunction(() => Number(document.querySelector('#chart')?.getAttribute('data-points') ?? 0) > 0);
  await page.locator('main > section').nth(0).screenshot({ path: join(o.out, 'dashboard-runs.png') });
  await page.locator('main > section').nth(1).screenshot({ path: join(o.out, 'dashboard-matrix.png') });
  await page.locator('main > section').nth(2).screenshot({ path: join(o.out, 'dashboard-chart.png') });
  // the run with the best test macro F1: sort by that column (descending), open the first row
  await page.locator('#runs thead th', { hasText: 'test macro F1' }).click();
  await page.locator('#runs tbody tr').first().click();
  await page.locator('#confusion').waitFor();
  await page.locator('#detail').screenshot({ path: join(o.out, 'dashboard-run.png') });
  console.log(`screenshots in ${o.out}: dashboard-runs.png, dashboard-matrix.png, dashboard-chart.png, dashboard-run.png`);
} finally {
  await browser.close();
  await dash.close();
}
