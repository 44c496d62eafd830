/**
 * The matrix report: Markdown for the terminal and for diffs, and one
 * self-contained HTML page with pictures (uPlot charts of the training curves,
 * a confusion-matrix heatmap per run, the 2 × 2 × 2 effects). The page embeds
 * uPlot and the data, so it opens from disk with no server and no network.
 */
import { escapeHtml, heatCellStyle, PALETTE, scriptJson, uplotAssets } from '../util/web.js';
import type { EpochRecord, TrainResult } from './trainer.js';
import type { Split } from '../data/audio_datasets.js';

/** One cell of the 2 × 2 × 2 experiment. */
export interface MatrixRun {
  name: string;
  model: string;
  filter: 'none' | 'bilateral';
  augment: 'none' | 'specaugment';
  result: TrainResult;
}

const f1 = (r: MatrixRun) => r.result.test?.macroF1 ?? NaN;
const signed = (v: number) => (Number.isNaN(v) ? 'n/a' : (v >= 0 ? '+' : '') + v.toFixed(4));

/** Change in test macro F1 that each factor made, per model (raw→bilateral, none→SpecAugment, for each level of the other factor). */
export function matrixEffects(runs: MatrixRun[]): { model: string; bilateral: [number, number]; specaugment: [number, number] }[] {
  return [...new Set(runs.map((r) => r.model))].map((model) => {
    const get = (filter: string, augment: string) => runs.find((r) => r.model === model && r.filter === filter && r.augment === augment);
    const d = (a?: MatrixRun, b?: MatrixRun) => (a && b ? f1(b) - f1(a) : NaN);
    return {
      model,
      bilateral: [d(get('none', 'none'), get('bilateral', 'none')), d(get('none', 'specaugment'), get('bilateral', 'specaugment'))],
      specaugment: [d(get('none', 'none'), get('none', 'specaugment')), d(get('bilateral', 'none'), get('bilateral', 'specaugment'))],
    };
  });
}

const rowsByF1 = (runs: MatrixRun[]) => [...runs].sort((a, b) => f1(b) - f1(a));
/** The run with the highest test macro F1. */
export const bestRun = (runs: MatrixRun[]): MatrixRun | undefined => rowsByF1(runs)[0];
const filterName = (r: MatrixRun) => (r.filter === 'none' ? 'raw' : 'bilateral');
const splitLine = (split: Split) => `Test speakers (never heard in training): ${split.speakers.test.join(', ')}; validation: ${split.speakers.validation.join(', ')}; training: ${split.speakers.train.length} speakers.`;

/** The comparison table and the 2 × 2 × 2 effects, as Markdown. */
export function matrixReport(runs: MatrixRun[], split: Split): string {
  const lines = [
    '# specnet matrix', '', splitLine(split), '',
    '| run | model | filter | augmentation | test macro F1 | test accuracy | params | epochs (best) | train time |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rowsByF1(runs).map((r) => `| ${r.name} | ${r.model} | ${filterName(r)} | ${r.augment} | ${f1(r).toFixed(4)} | ${((r.result.test?.accuracy ?? NaN) * 100).toFixed(2)}% | ${r.result.parameters.toLocaleString('en-US')} | ${r.result.history.length} (${r.result.bestEpoch}) | ${r.result.trainSeconds.toFixed(1)} s |`),
    '', '## Effects (change in test macro F1)', '',
    '| model | bilateral filter (no aug / SpecAugment) | SpecAugment (raw / bilateral) |', '|---|---|---|',
    ...matrixEffects(runs).map((e) => `| ${e.model} | ${signed(e.bilateral[0])} / ${signed(e.bilateral[1])} | ${signed(e.specaugment[0])} / ${signed(e.specaugment[1])} |`),
  ];
  return lines.join('\n') + '\n';
}

/** A confusion matrix as an HTML table whose cells are shaded by the row-normalised count. */
export function confusionHeatmap(confusion: number[][], classes: string[]): string {
  const head = `<tr><th class="corner">true \\ predicted</th>${classes.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const body = confusion.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    return `<tr><th>${escapeHtml(classes[i] ?? String(i))}</th>${row.map((v, j) => {
      const p = v / total;
      return `<td style="${heatCellStyle(v, total, i === j)}" title="true ${escapeHtml(classes[i] ?? '')}, predicted ${escapeHtml(classes[j] ?? '')}: ${v} (${(100 * p).toFixed(0)}%)">${v || ''}</td>`;
    }).join('')}</tr>`;
  }).join('');
  return `<table class="cm">${head}${body}</table>`;
}

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#1d232b;background:#fafbfc}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #dde2e8;padding-bottom:4px}
table{border-collapse:collapse}td,th{padding:4px 8px;border:1px solid #dde2e8;text-align:right}th{background:#f0f3f6}
td.l,th.l{text-align:left}.best{font-weight:600;background:#e8f5e9}
.pos{color:#1b7f3a}.neg{color:#b3261e}
.charts{display:flex;flex-wrap:wrap;gap:16px}.card{background:#fff;border:1px solid #dde2e8;border-radius:6px;padding:10px}
.cms{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:16px}
table.cm td{width:26px;height:22px;text-align:center;font-size:12px;padding:2px}table.cm th{font-size:12px;padding:2px 4px}
table.cm th.corner{font-weight:400;color:#667}
.muted{color:#667}`;

/**
 * The report as one HTML page: the table, the effects, overlaid training curves
 * (validation macro F1, training loss, validation loss per epoch) and a
 * confusion-matrix heatmap of each run on the test speakers.
 */
export function matrixReportHtml(runs: MatrixRun[], split: Split, classes: string[], o: { title?: string; dataset?: string } = {}): string {
  const { js, css } = uplotAssets();
  const sorted = rowsByF1(runs);
  const best = sorted[0];
  const table = `<table><tr><th class="l">run</th><th class="l">model</th><th class="l">filter</th><th class="l">augmentation</th><th>test macro F1</th><th>test accuracy</th><th>params</th><th>epochs (best)</th><th>train time</th><th>img/s</th></tr>${sorted.map((r) =>
    `<tr class="${r === best ? 'best' : ''}"><td class="l">${escapeHtml(r.name)}</td><td class="l">${escapeHtml(r.model)}</td><td class="l">${filterName(r)}</td><td class="l">${r.augment}</td><td>${f1(r).toFixed(4)}</td><td>${((r.result.test?.accuracy ?? NaN) * 100).toFixed(2)}%</td><td>${r.result.parameters.toLocaleString('en-US')}</td><td>${r.result.history.length} (${r.result.bestEpoch})</td><td>${r.result.trainSeconds.toFixed(1)} s</td><td>${Math.round(r.result.imagesPerSecond)}</td></tr>`).join('')}</table>`;
  const cls = (v: number) => (Number.isNaN(v) ? '' : v >= 0 ? 'pos' : 'neg');
  const eff = (v: number) => `<td class="${cls(v)}">${signed(v)}</td>`;
  const effects = `<table><tr><th class="l">model</th><th>bilateral, no aug</th><th>bilateral, with SpecAugment</th><th>SpecAugment, raw</th><th>SpecAugment, bilateral</th></tr>${matrixEffects(runs).map((e) =>
    `<tr><td class="l">${escapeHtml(e.model)}</td>${eff(e.bilateral[0])}${eff(e.bilateral[1])}${eff(e.specaugment[0])}${eff(e.specaugment[1])}</tr>`).join('')}</table>
    <p class="muted">Each cell is the change in test macro F1 when one factor is switched on with the other held fixed (e.g. "bilateral, no aug" = raw→bilateral, both without SpecAugment).</p>`;
  const cms = runs.map((r) => `<div class="card"><b>${escapeHtml(r.name)}</b> <span class="muted">macro F1 ${f1(r).toFixed(4)}</span>${r.result.test ? confusionHeatmap(r.result.test.confusion, classes) : '<p>no test evaluation</p>'}</div>`).join('');
  const curves = runs.map((r) => ({ name: r.name, history: r.result.history.map((h: EpochRecord) => [h.epoch, h.valMacroF1, h.trainLoss, h.valLoss]) }));
  const title = o.title ?? 'specnet matrix';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${css}${CSS}</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>${o.dataset ? `Dataset: <code>${escapeHtml(o.dataset)}</code>. ` : ''}${escapeHtml(splitLine(split))}</p>
<h2>Runs, best first (by test macro F1)</h2>${table}
<h2>Effects of the bilateral filter and SpecAugment</h2>${effects}
<h2>Training curves</h2><div class="charts"><div class="card" id="c-f1"></div><div class="card" id="c-loss"></div><div class="card" id="c-vloss"></div></div>
<h2>Confusion matrices on the test speakers</h2><div class="cms">${cms}</div>
<script>${js}</script>
<script>
const RUNS = ${scriptJson(curves)};
const PALETTE = ${scriptJson(PALETTE)};
function chart(el, title, col, yLabel) {
  const epochs = [...new Set(RUNS.flatMap(r => r.history.map(h => h[0])))].sort((a, b) => a - b);
  const data = [epochs, ...RUNS.map(r => epochs.map(e => { const h = r.history.find(x => x[0] === e); return h ? h[col] : null; }))];
  new uPlot({ title, width: 370, height: 260, scales: { x: { time: false } },
    axes: [{ label: 'epoch' }, { label: yLabel }],
    series: [{ label: 'epoch' }, ...RUNS.map((r, i) => ({ label: r.name, stroke: PALETTE[i % PALETTE.length], width: 1.5, dash: r.name.includes('specaugment') ? [6, 3] : undefined }))],
    legend: { show: true } }, data, document.getElementById(el));
}
chart('c-f1', 'validation macro F1', 1, 'macro F1');
chart('c-loss', 'training loss', 2, 'loss');
chart('c-vloss', 'validation loss', 3, 'loss');
</script></body></html>
`;
}
