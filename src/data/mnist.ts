import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadIdxImages, type ImageSet } from './idx.js';

/** Where Debian's `dataset-fashion-mnist` package puts the files. */
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

/** The IDX file `base` in `dir`, gzipped or not, or null. */
function idxFile(dir: string, base: string): string | null {
  for (const name of [`${base}.gz`, base]) if (existsSync(join(dir, name))) return join(dir, name);
  return null;
}

export interface MnistStyle { train: ImageSet; test: ImageSet; dir: string }

/**
 * Load an MNIST-style folder (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
 * t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]). Without a folder, looks at
 * $SPECNET_FASHION_MNIST, then Debian's dataset-fashion-mnist location.
 */
export function loadMnistStyle(dir?: string): MnistStyle {
  const candidates = dir ? [dir] : [process.env.SPECNET_FASHION_MNIST, DEBIAN_FASHION_MNIST].filter((d): d is string => !!d);
  for (const d of candidates) {
    const f = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map((b) => idxFile(d, b));
    if (f.every((p) => p !== null)) {
      return { train: loadIdxImages(f[0]!, f[1]!), test: loadIdxImages(f[2]!, f[3]!), dir: d };
    }
    if (dir) {
      const missing = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].filter((_, i) => !f[i]);
      throw new Error(`${d}: not an MNIST-style folder (missing ${missing.join(', ')}, with or without .gz)`);
    }
  }
  throw new Error(`Fashion-MNIST not found (looked in ${candidates.join(', ')}). ` +
    'Install it with `sudo apt-get install dataset-fashion-mnist`, or pass --data DIR with the four IDX files.');
}
