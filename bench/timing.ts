/**
 * The timing rule of both benchmarks (and of their Python peers, bench/peer_timing.py):
 * items per second of `step`, the best of 3 windows of about seconds/3 each (at least
 * 2 steps per window), after a warm-up of at least 2 steps and `warmupMs` (default 3 s).
 * The best window is the figure least disturbed by whatever else the machine is doing.
 *
 * Why 3 s: V8 compiles a training step's JavaScript to optimised code over its first
 * 2-3 seconds (`node --trace-opt`: 176 functions optimised in the MLP's first 0.6 s,
 * 40, 28, 8, 12, then 2-4 per 0.25 s window), and the MLP's step falls from about
 * 1,100 µs to 600 µs to 400 µs meanwhile. With a 1 s warm-up, the windows caught
 * that slope, and the same code measured 63k-149k images/s from run to run. A
 * training run lasts minutes, so the steady state is the figure that matters.
 * The peer gets the same rule (bench/peer_timing.py).
 */
export async function timed(step: () => unknown, o: { seconds: number; items?: number; warmupMs?: number }): Promise<number> {
  const w0 = performance.now();
  for (let i = 0; i < 2 || performance.now() - w0 < (o.warmupMs ?? 3000); i++) await step();
  let best = 0;
  for (let w = 0; w < 3; w++) {
    let n = 0;
    const t0 = performance.now();
    for (;;) {
      await step();
      n++;
      const dt = (performance.now() - t0) / 1000;
      if (dt >= o.seconds / 3 && n >= 2) { best = Math.max(best, (n * (o.items ?? 1)) / dt); break; }
    }
  }
  return best;
}
