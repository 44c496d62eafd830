/**
 * The dashboard's one page: HTML, CSS and a small script (no framework). Every
 * value that comes from a run (names, config, metrics) is put in the page with
 * textContent or as chart data, never as HTML, so a run named
 * `<script>alert(1)</script>` shows as text.
 */
import { heatCellStyle, PALETTE, scriptJson } from '../util/web.js';

const CSS = `
:root{--b:#dde2e8;--m:#667;--bg:#f6f8fa}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d232b;background:var(--bg)}
header{display:flex;gap:16px;align-items:center;padding:10px 20px;background:#1d2733;color:#fff}
header h1{font-size:17px;margin:0}#live{font-size:12px;padding:2px 8px;border-radius:10px;background:#555}#live.on{background:#1b7f3a}
main{padding:12px 20px;display:grid;gap:14px}
section{background:#fff;border:1px solid var(--b);border-radius:6px;padding:10px 14px}
h2{font-size:15px;margin:2px 0 8px}
table{border-collapse:collapse;width:100%}td,th{padding:3px 7px;border-bottom:1px solid var(--b);text-align:left;white-space:nowrap}
th{cursor:pointer;user-select:none;background:#f0f3f6;font-weight:600}th.sorted::after{content:attr(data-dir)}
tr.sel{background:#eef5ff}tbody tr:hover{background:#f5f9ff;cursor:pointer}
.badge{padding:1px 7px;border-radius:9px;font-size:12px;color:#fff}
.running{background:#1f6feb}.finished{background:#1b7f3a}.stopped{background:#9a6700}.failed,.crashed{background:#b3261e}
.row{display:flex;gap:14px;flex-wrap:wrap;align-items:flex-start}.muted{color:var(--m)}
input,select,button{font:inherit;padding:3px 8px}button.stop{background:#b3261e;color:#fff;border:0;border-radius:4px;padding:5px 12px;cursor:pointer}
button.stop:disabled{background:#aaa}
.matrix{display:flex;gap:20px;flex-wrap:wrap}.matrix table{width:auto}.matrix td{text-align:center;min-width:90px}
table.cm{width:auto}table.cm td{width:28px;height:24px;text-align:center;font-size:12px;padding:1px;border:1px solid #fff}
pre{background:#f6f8fa;padding:8px;max-height:260px;overflow:auto;font-size:12px;margin:0}
.bar{height:12px;background:#1f77b4;display:inline-block;vertical-align:middle}
img.spec{image-rendering:pixelated;width:192px;border:1px solid var(--b)}img.wide{image-rendering:pixelated;max-width:100%;border:1px solid var(--b)}`;

const SCRIPT = String.raw`
const $ = (s) => document.querySelector(s);
const el = (tag, props = {}, ...kids) => { const e = document.createElement(tag); for (const [k, v] of Object.entries(props)) { if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v); } for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k))); return e; };
const state = { runs: [], hist: new Map(), lastId: 0, sort: ['created', -1], filter: '', selected: null, overlay: new Set(), metric: 'val_macro_f1', group: false };
const fmt = (v) => typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : (v ?? '');
const cfg = (r, k) => r.config?.[k] ?? r.config?.train?.[k];
const COLS = [
  ['name', 'run', (r) => r.name], ['group', 'group', (r) => r.group ?? ''], ['status', 'status', (r) => r.status],
  ['model', 'model', (r) => cfg(r, 'model') ?? ''], ['filter', 'filter', (r) => r.config?.filter ?? ''], ['augment', 'augment', (r) => cfg(r, 'augment') ?? ''],
  ['epochs', 'epochs', (r) => r.summary.epochs ?? lastOf(r.id, 'epoch') ?? ''], ['val', 'best val F1', (r) => r.summary.best_val_macro_f1 ?? maxOf(r.id, 'val_macro_f1')],
  ['test', 'test macro F1', (r) => r.summary.test_macro_f1], ['ips', 'img/s', (r) => { const v = r.summary.images_per_second ?? lastOf(r.id, 'images_per_second'); return v == null ? v : Math.round(v); }],
  ['created', 'started', (r) => r.created],
];
function lastOf(id, k) { const h = state.hist.get(id) ?? []; for (let i = h.length - 1; i >= 0; i--) if (h[i].data[k] != null) return h[i].data[k]; return undefined; }
function maxOf(id, k) { let m; for (const r of state.hist.get(id) ?? []) if (r.data[k] != null && (m === undefined || r.data[k] > m)) m = r.data[k]; return m; }

async function api(path, opts) { const r = await fetch(path, { credentials: 'same-origin', ...opts }); if (!r.ok) throw new Error(path + ': ' + r.status); return r.json(); }

function addHistory(rows) {
  for (const r of rows) {
    const h = state.hist.get(r.run) ?? []; state.hist.set(r.run, h);
    const same = h.findIndex((x) => x.step === r.step);
    if (same >= 0) h[same] = r; else h.push(r);
    if (r.id > state.lastId) state.lastId = r.id;
  }
}

function renderTable() {
  const head = $('#runs thead'), body = $('#runs tbody');
  head.replaceChildren(el('tr', {}, el('th', {}, 'chart'), ...COLS.map(([k, label]) => { const th = el('th', { onclick: () => { state.sort = [k, state.sort[0] === k ? -state.sort[1] : -1]; renderTable(); } }, label); if (state.sort[0] === k) { th.className = 'sorted'; th.dataset.dir = state.sort[1] > 0 ? ' ▲' : ' ▼'; } return th; })));
  const col = COLS.find((c) => c[0] === state.sort[0]);
  const q = state.filter.toLowerCase();
  const rows = state.runs.filter((r) => !q || [r.name, r.group ?? '', r.status, JSON.stringify(r.config)].some((s) => s.toLowerCase().includes(q)))
    .sort((a, b) => { const x = col[2](a), y = col[2](b); return (x === y ? 0 : x === undefined || x === '' ? 1 : y === undefined || y === '' ? -1 : x < y ? -1 : 1) * state.sort[1]; });
  body.replaceChildren(...rows.map((r) => {
    const box = el('input', { type: 'checkbox', onclick: (e) => { e.stopPropagation(); if (box.checked) state.overlay.add(r.id); else state.overlay.delete(r.id); drawChart(true); } });
    box.checked = state.overlay.has(r.id);
    const tr = el('tr', { class: state.selected === r.id ? 'sel' : '', 'data-run': r.id, onclick: () => { state.selected = r.id; renderTable(); renderDetail(); } }, el('td', {}, box),
      ...COLS.map(([k, , f]) => k === 'status' ? el('td', {}, el('span', { class: 'badge ' + r.status }, r.status)) : el('td', {}, k === 'created' ? new Date(f(r) * 1000).toLocaleTimeString() : fmt(f(r)))));
    return tr;
  }));
  $('#count').textContent = rows.length + ' of ' + state.runs.length + ' runs';
}

function renderMatrix() {
  const groups = state.runs.filter((r) => r.group && r.config?.filter).map((r) => r.group);
  const box = $('#matrix');
  if (!groups.length) { box.replaceChildren(el('p', { class: 'muted' }, 'No matrix yet: specnet run or specnet matrix fills this view.')); return; }
  const g = groups[0];
  const runs = state.runs.filter((r) => r.group === g);
  const models = [...new Set(runs.map((r) => cfg(r, 'model')))];
  box.replaceChildren(el('div', { class: 'muted' }, 'latest matrix: ' + g), ...models.map((m) => {
    const cell = (f, a) => { const r = runs.find((x) => cfg(x, 'model') === m && x.config.filter === f && (cfg(x, 'augment') === 'none') === (a === 'none')); if (!r) return el('td', { class: 'muted' }, '—'); const v = r.summary.test_macro_f1; return el('td', { title: r.name }, v != null ? 'test ' + v.toFixed(3) : r.status + (maxOf(r.id, 'val_macro_f1') != null ? ' · val ' + maxOf(r.id, 'val_macro_f1').toFixed(3) : '')); };
    return el('table', {}, el('tr', {}, el('th', {}, m), el('th', {}, 'no augmentation'), el('th', {}, 'SpecAugment')),
      el('tr', {}, el('th', {}, 'raw'), cell('none', 'none'), cell('none', 'sa')), el('tr', {}, el('th', {}, 'bilateral'), cell('bilateral', 'none'), cell('bilateral', 'sa')));
  }));
}

let chart = null, chartKey = '';
function chartRuns() {
  if (state.overlay.size) return state.runs.filter((r) => state.overlay.has(r.id));
  const latest = state.runs[0]?.group; return state.runs.filter((r) => latest ? r.group === latest : r === state.runs[0]);
}
function seriesOf(r, metric) { const pts = []; const byEpoch = metric !== 'loss' && metric !== 'lr'; for (const h of state.hist.get(r.id) ?? []) { const v = h.data[metric]; if (v != null) pts.push([byEpoch ? (h.data.epoch ?? h.step) : h.step, v]); } return pts.sort((a, b) => a[0] - b[0]); }
function drawChart(force) {
  const runs = chartRuns(), metric = state.metric;
  let lines = runs.map((r) => ({ label: r.name, pts: seriesOf(r, metric) }));
  if (state.group) {
    // runs with the same config but the seed: one line of the mean, a band from min to max
    const key = (r) => JSON.stringify({ ...r.config, seed: undefined });
    const groups = new Map(); runs.forEach((r, i) => { const k = key(r); if (!groups.has(k)) groups.set(k, []); groups.get(k).push(lines[i]); });
    lines = [...groups.values()].flatMap((ls) => { const xs = [...new Set(ls.flatMap((l) => l.pts.map((p) => p[0])))].sort((a, b) => a - b); const at = (l, x) => l.pts.find((p) => p[0] === x)?.[1]; const stats = xs.map((x) => { const v = ls.map((l) => at(l, x)).filter((v) => v != null); return [x, v.reduce((a, b) => a + b, 0) / v.length, Math.min(...v), Math.max(...v)]; }); const name = ls[0].label + (ls.length > 1 ? ' (mean of ' + ls.length + ')' : ''); return [{ label: name, pts: stats.map((s) => [s[0], s[1]]) }, ...(ls.length > 1 ? [{ label: 'min', pts: stats.map((s) => [s[0], s[2]]), band: true }, { label: 'max', pts: stats.map((s) => [s[0], s[3]]), band: true }] : [])]; });
  }
  const xs = [...new Set(lines.flatMap((l) => l.pts.map((p) => p[0])))].sort((a, b) => a - b);
  const idx = new Map(xs.map((x, i) => [x, i]));
  const data = [xs, ...lines.map((l) => { const ys = new Array(xs.length).fill(null); for (const [x, y] of l.pts) ys[idx.get(x)] = y; return ys; })];
  const points = lines.reduce((a, l) => a + l.pts.length, 0);
  const box = $('#chart'); box.dataset.points = String(points); box.dataset.series = String(lines.length);
  const key = metric + '|' + state.group + '|' + lines.map((l) => l.label).join(',');
  if (chart && key === chartKey && !force) { chart.setData(data); return; }
  chart?.destroy(); chartKey = key;
  let c = 0;
  const series = [{ label: metric === 'loss' || metric === 'lr' ? 'step' : 'epoch' }, ...lines.map((l) => l.band ? { label: l.label, stroke: 'rgba(0,0,0,0.15)', width: 1, dash: [3, 3], spanGaps: true } : { label: l.label, stroke: PALETTE[c++ % PALETTE.length], width: 1.6, spanGaps: true, points: { show: metric !== 'loss' } })];
  chart = new uPlot({ width: Math.min(1100, box.clientWidth || 900), height: 330, scales: { x: { time: false } }, axes: [{ label: series[0].label }, { label: metric }], series }, data, box);
}

async function renderDetail() {
  const id = state.selected; const box = $('#detail');
  const r = state.runs.find((x) => x.id === id); if (!r) { box.replaceChildren(el('p', { class: 'muted' }, 'Click a run to see its config, summary, confusion matrix, samples and system metrics.')); return; }
  const [arts, sys] = await Promise.all([api('/api/runs/' + id + '/artifacts'), api('/api/runs/' + id + '/system')]);
  const stop = el('button', { class: 'stop', id: 'stop', onclick: async () => { stop.disabled = true; stop.textContent = 'stop requested…'; await fetch('/api/runs/' + id + '/stop', { method: 'POST', headers: { 'X-Specnet': '1' }, credentials: 'same-origin' }); } }, 'Stop this run');
  if (r.status !== 'running' || r.stopRequested) { stop.disabled = true; if (r.stopRequested && r.status === 'running') stop.textContent = 'stop requested…'; }
  const cm = arts.filter((a) => a.kind === 'confusion').pop();
  const cmBox = el('div', {}, el('h3', {}, 'Confusion matrix (test)'));
  if (cm) { const { matrix, classes } = cm.data; const t = el('table', { class: 'cm', id: 'confusion' }, el('tr', {}, el('th', {}, 't\\p'), ...classes.map((c) => el('th', {}, c)))); matrix.forEach((row, i) => { const tot = row.reduce((a, b) => a + b, 0); t.append(el('tr', {}, el('th', {}, classes[i]), ...row.map((v, j) => { const td = el('td', { title: classes[i] + ' → ' + classes[j] + ': ' + v }, v || ''); td.style.cssText = heatCellStyle(v, tot, i === j) || 'background:#fafafa'; return td; }))); }); cmBox.append(t); } else cmBox.append(el('p', { class: 'muted' }, 'after the test evaluation'));
  const f1 = r.summary.test_f1_per_class; const f1Box = el('div', {}, el('h3', {}, 'Per-class F1 (test)'));
  if (Array.isArray(f1)) f1.forEach((v, i) => { const b = el('span', { class: 'bar' }); b.style.width = Math.round(160 * v) + 'px'; f1Box.append(el('div', {}, (cm?.data.classes[i] ?? i) + ' ', b, ' ' + v.toFixed(3))); }); else f1Box.append(el('p', { class: 'muted' }, 'after the test evaluation'));
  const figure = (a, cls) => el('figure', {}, el('img', { class: cls, src: '/artifacts/' + a.path.split('/').map(encodeURIComponent).join('/'), alt: a.key }), el('figcaption', {}, a.key + (a.data?.caption ? ' · ' + a.data.caption : '')));
  const images = arts.filter((a) => a.kind === 'image');
  const imgs = el('div', { class: 'row' }, ...images.filter((a) => !a.key.startsWith('filters/')).map((a) => figure(a, 'spec')));
  const filters = el('div', {}, ...images.filter((a) => a.key.startsWith('filters/')).map((a) => figure(a, 'wide')));
  const ckpts = arts.filter((a) => a.kind === 'checkpoint').map((a) => el('div', {}, a.key + ': ' + a.path));
  const sysBox = el('div', { id: 'sys' });
  box.replaceChildren(el('h2', {}, 'Run ', el('span', {}, r.name), ' ', el('span', { class: 'badge ' + r.status, id: 'status' }, r.status)),
    el('div', { class: 'row' }, stop, el('a', { href: '/api/runs/' + id + '/export.csv' }, 'metrics CSV'), el('a', { href: '/api/runs/' + id + '/export.json' }, 'metrics JSON')),
    el('div', { class: 'row' }, el('div', {}, el('h3', {}, 'Config'), el('pre', {}, JSON.stringify(r.config, null, 1))), el('div', {}, el('h3', {}, 'Summary'), el('pre', {}, JSON.stringify(r.summary, null, 1))), cmBox, f1Box),
    el('h3', {}, 'Samples'), imgs.childElementCount ? imgs : el('p', { class: 'muted' }, 'none logged'),
    ...(filters.childElementCount ? [el('h3', {}, 'First convolution: filters and feature maps'), filters] : []), ...ckpts, el('h3', {}, 'System'), sysBox);
  if (sys.length) new uPlot({ width: 700, height: 200, scales: { x: { time: true } }, series: [{}, { label: 'CPU %', stroke: '#d62728' }, { label: 'RSS MiB', stroke: '#1f77b4' }, { label: 'img/s', stroke: '#2ca02c' }] }, [sys.map((s) => s.t), sys.map((s) => s.cpu), sys.map((s) => s.rss), sys.map((s) => s.imagesPerSecond)], sysBox);
}

let pending = false;
function refresh() { if (pending) return; pending = true; requestAnimationFrame(() => { pending = false; renderTable(); renderMatrix(); drawChart(false); $('#updated').textContent = 'updated ' + new Date().toLocaleTimeString(); }); }

async function main() {
  state.runs = await api('/api/runs');
  addHistory(await api('/api/history?after=0'));
  refresh(); renderDetail();
  $('#filter').addEventListener('input', (e) => { state.filter = e.target.value; renderTable(); });
  $('#metric').addEventListener('change', (e) => { state.metric = e.target.value; drawChart(true); });
  $('#group').addEventListener('change', (e) => { state.group = e.target.checked; drawChart(true); });
  const es = new EventSource('/api/events');
  es.onopen = () => { $('#live').className = 'on'; $('#live').textContent = 'live'; };
  es.onerror = () => { $('#live').className = ''; $('#live').textContent = 'reconnecting'; };
  es.addEventListener('history', (e) => { addHistory(JSON.parse(e.data)); refresh(); });
  es.addEventListener('runs', (e) => { const before = state.runs.find((r) => r.id === state.selected); state.runs = JSON.parse(e.data); refresh(); const now = state.runs.find((r) => r.id === state.selected); if (now && (!before || before.status !== now.status || before.stopRequested !== now.stopRequested)) renderDetail(); });
}
main();`;

/** The page (static: the data comes from the API). */
export function dashboardPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>specnet dashboard</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="stylesheet" href="/static/uplot.css"><style>${CSS}</style></head><body>
<header><h1>specnet dashboard</h1><span id="live">connecting</span><span id="updated" class="muted"></span></header>
<main>
<section><h2>Runs <span id="count" class="muted"></span></h2>
<div class="row"><input id="filter" placeholder="filter: name, group, status, config…" size="40"><span class="muted">click a column to sort, a row for details; tick runs to overlay them</span></div>
<table id="runs"><thead></thead><tbody></tbody></table></section>
<section><h2>Matrix (2 × 2 × 2)</h2><div id="matrix" class="matrix"></div></section>
<section><h2>Charts</h2><div class="row">
<label>metric <select id="metric"><option value="val_macro_f1">validation macro F1</option><option value="val_loss">validation loss</option><option value="train_loss">training loss (epoch)</option><option value="val_accuracy">validation accuracy</option><option value="train_accuracy">training accuracy</option><option value="loss">loss per step</option><option value="lr">learning rate per step</option><option value="images_per_second">images/s</option></select></label>
<label><input type="checkbox" id="group"> group runs that differ only by seed (mean, min–max band)</label></div>
<div id="chart"></div><p class="muted">Shows the ticked runs, else the latest matrix (or the latest run).</p></section>
<section id="detail"></section>
</main><script src="/static/uplot.js"></script><script>const PALETTE = ${scriptJson(PALETTE)};
const heatCellStyle = ${heatCellStyle.toString()};${SCRIPT}</script></body></html>`;
}
