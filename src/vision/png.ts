import pngjs from 'pngjs';
import { writeFileAtomic } from '../util/fs.js';

const { PNG } = pngjs;

/** Anchor colours of a perceptually ordered map (dark blue → yellow, like viridis). */
const MAP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

function colour(v: number): [number, number, number] {
  const t = Math.min(Math.max(v, 0), 1) * (MAP.length - 1);
  const i = Math.min(Math.floor(t), MAP.length - 2), f = t - i;
  return [0, 1, 2].map((k) => Math.round(MAP[i][k] + f * (MAP[i + 1][k] - MAP[i][k]))) as [number, number, number];
}

export interface PanelImage { data: Float32Array; height: number; width: number }

/**
 * Encode images in [0, 1] side by side as one PNG (values outside are clipped),
 * each scaled up by an integer factor, with a colour map (or grey).
 */
export function encodePng(panels: PanelImage[], o: { scale?: number; gap?: number; colormap?: 'viridis' | 'gray' } = {}): Uint8Array {
  const scale = o.scale ?? 4, gap = o.gap ?? 8;
  const H = Math.max(...panels.map((p) => p.height)) * scale;
  const W = panels.reduce((s, p) => s + p.width * scale, 0) + gap * (panels.length - 1);
  const png = new PNG({ width: W, height: H });
  png.data.fill(255);
  let x0 = 0;
  for (const p of panels) {
    for (let y = 0; y < p.height * scale; y++) {
      for (let x = 0; x < p.width * scale; x++) {
        const v = p.data[Math.floor(y / scale) * p.width + Math.floor(x / scale)];
        const [r, g, b] = o.colormap === 'gray' ? [v * 255, v * 255, v * 255].map((c) => Math.round(Math.min(Math.max(c, 0), 255))) : colour(v);
        const at = (y * W + x0 + x) * 4;
        png.data[at] = r; png.data[at + 1] = g; png.data[at + 2] = b; png.data[at + 3] = 255;
      }
    }
    x0 += p.width * scale + gap;
  }
  return PNG.sync.write(png);
}

/** Write images as a PNG, atomically. */
export function writePng(path: string, panels: PanelImage[], o?: Parameters<typeof encodePng>[1]): void {
  writeFileAtomic(path, encodePng(panels, o));
}
