/**
 * A seedable pseudo-random generator (xoshiro128**, Blackman & Vigna), so one
 * seed fixes initialisation, shuffling, dropout and augmentation.
 */
export class Generator {
  private s = new Uint32Array(4);
  private spare: number | null = null;

  constructor(seed = 0) { this.seed(seed); }

  /** Reset the state from a seed (expanded with splitmix32). */
  seed(seed: number): this {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    this.spare = null;
    return this;
  }

  /** The full state, to save in a checkpoint. */
  getState(): number[] { return [...this.s, this.spare === null ? NaN : this.spare]; }
  setState(state: readonly number[]): void {
    for (let i = 0; i < 4; i++) this.s[i] = state[i] >>> 0;
    this.spare = Number.isNaN(state[4]) ? null : state[4];
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  random(): number { return this.nextUint32() / 4294967296; }

  /** Uniform in [low, high). */
  uniform(low = 0, high = 1): number { return low + (high - low) * this.random(); }

  /** An integer in [0, n). */
  int(n: number): number { return Math.floor(this.random() * n); }

  /** Standard normal (Box–Muller; the second value is kept for the next call). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) { const z = this.spare; this.spare = null; return mean + std * z; }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle, in place. */
  shuffle<T>(a: T[] | Int32Array): typeof a {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]; a[i] = a[j]; a[j] = t;
    }
    return a;
  }
}

function rotl(x: number, k: number): number { return ((x << k) | (x >>> (32 - k))) >>> 0; }

/** The default generator used when none is passed. */
export const defaultGenerator = new Generator(0);

/** Seed the default generator (like `torch.manual_seed`). */
export function manualSeed(seed: number): void { defaultGenerator.seed(seed); }
