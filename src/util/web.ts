/** What the HTML report and the dashboard share: escaping, safe inline JSON, uPlot's files, the run colours. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe to place inside a <script> element (no `</script>`, no HTML comment openers). */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const require = createRequire(import.meta.url);
let assets: { js: string; css: string } | null = null;
/** uPlot's browser build and stylesheet, read once from the installed package. */
export function uplotAssets(): { js: string; css: string } {
  assets ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return assets;
}

/** Line colours of runs in charts (report and dashboard). */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];

/**
 * The CSS of one confusion-matrix cell: blue on the diagonal, red off it, darker
 * for a larger share of the row. Self-contained, so the dashboard page runs the
 * same function (its source is put in the page).
 */
export function heatCellStyle(count: number, rowTotal: number, diagonal: boolean): string {
  if (!count) return '';
  const p = count / (rowTotal || 1);
  return 'background:hsl(' + (diagonal ? 210 : 5) + ' 70% ' + Math.round(97 - 52 * p) + '%);color:' + (p > 0.6 ? '#fff' : '#222');
}
