import { Tensor } from '../tensor/tensor.js';
import { Generator } from '../tensor/random.js';
import { noGrad } from '../tensor/grad_mode.js';

export interface GradcheckOptions {
  /** Finite-difference step. float32 forward passes want ~1e-2..1e-3. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Check at most this many entries per input (spread evenly), to keep big layers fast. */
  maxChecks?: number;
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  /** The first failing entry, described. */
  failure?: string;
}

/**
 * Compare the gradients of `fn` from backward() with central differences
 *   ∂L/∂xᵢ ≈ (L(x + εeᵢ) - L(x - εeᵢ)) / 2ε,
 * where L = Σ fn(inputs) ⊙ r for a fixed random r (so every output entry matters).
 * Sums are accumulated in float64. Only inputs with requiresGrad are checked.
 * @example gradcheck((x) => x.mul(x).sum(), [randn([3], { requiresGrad: true })]).ok  // true
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], o: GradcheckOptions = {}): GradcheckResult {
  const eps = o.eps ?? 1e-2, atol = o.atol ?? 1e-3, rtol = o.rtol ?? 1e-2;
  const gen = new Generator(o.seed ?? 1234);
  const out0 = noGrad(() => fn(...inputs));
  const r = new Float64Array(out0.size).map(() => gen.uniform(-1, 1));
  const loss = (): number => {
    const y = noGrad(() => fn(...inputs)).toArray();
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * r[i];
    return s;
  };

  for (const t of inputs) t.grad = null;
  const out = fn(...inputs);
  out.backward(new Tensor(out.backend.fromArray(Float32Array.from(r)), out.shape, out.backend));

  let maxAbs = 0, maxRel = 0;
  for (let k = 0; k < inputs.length; k++) {
    const t = inputs[k];
    if (!t.requiresGrad) continue;
    const analytic = t.grad ? t.grad.toArray() : new Float32Array(t.size);
    const base = t.toArray();
    const step = Math.max(1, Math.floor(t.size / (o.maxChecks ?? Infinity)));
    const original = t.storage;
    for (let i = 0; i < t.size; i += step) {
      const probe = (delta: number): number => {
        const v = base.slice();
        v[i] += delta;
        t.storage = t.backend.fromArray(v);
        return loss();
      };
      const numeric = (probe(eps) - probe(-eps)) / (2 * eps);
      t.storage = original;
      const err = Math.abs(numeric - analytic[i]);
      const rel = err / Math.max(Math.abs(numeric), 1e-12);
      maxAbs = Math.max(maxAbs, err);
      if (err > atol) maxRel = Math.max(maxRel, rel);
      if (err > atol + rtol * Math.abs(numeric)) {
        return { ok: false, maxAbsError: maxAbs, maxRelError: maxRel,
          failure: `input ${k} ${t}, entry ${i}: analytic ${analytic[i]} vs numeric ${numeric}` };
      }
    }
  }
  return { ok: true, maxAbsError: maxAbs, maxRelError: maxRel };
}
