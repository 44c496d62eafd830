import { basename, join } from 'node:path';
import { specAugment, specAugmentPolicy } from '../augment/specaugment.js';
import { Generator } from '../tensor/random.js';
import { bilateralFilter } from '../vision/bilateral.js';
import { writePng } from '../vision/png.js';
import { DEFAULT_BILATERAL, DEFAULT_FEATURES, fileFeatures, type FeatureConfig } from './features.js';

export interface ShowResult { raw: string; bilateral: string; augmented: string; panel: string }

/**
 * What the network sees for one recording: PNGs of the raw spectrogram image,
 * its bilateral-filtered version, a SpecAugment draw, and the three side by side.
 * @example showSpectrograms('recordings/3_george_7.wav', 'out/')
 */
export async function showSpectrograms(wavPath: string, outDir: string, o: { features?: FeatureConfig; policy?: string; seed?: number; scale?: number } = {}): Promise<ShowResult> {
  const c = { ...(o.features ?? DEFAULT_FEATURES), bilateral: null };
  const raw = await fileFeatures(wavPath, c);
  const bil = bilateralFilter(raw, c.height, c.width, o.features?.bilateral ?? DEFAULT_BILATERAL);
  const aug = specAugment(raw, c.height, c.width, specAugmentPolicy(o.policy ?? 'LD'), new Generator(o.seed ?? 0));
  const stem = basename(wavPath, '.wav');
  const img = (data: Float32Array) => ({ data, height: c.height, width: c.width });
  const r: ShowResult = {
    raw: join(outDir, `${stem}.raw.png`), bilateral: join(outDir, `${stem}.bilateral.png`),
    augmented: join(outDir, `${stem}.specaugment.png`), panel: join(outDir, `${stem}.png`),
  };
  const scale = o.scale ?? 4;
  writePng(r.raw, [img(raw)], { scale });
  writePng(r.bilateral, [img(bil)], { scale });
  writePng(r.augmented, [img(aug)], { scale });
  writePng(r.panel, [img(raw), img(bil), img(aug)], { scale });
  return r;
}
