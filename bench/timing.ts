/**
 * The timing rule of both benchmarks (and of their Python peers, bench/peer_timing.py):
 * items per second of `step`, the best of 3 windows of about seconds/3 each (at least
 * 2 steps per window), after a warm-up of at least 2 steps and `warmupMs`. The best
 * window is the figure least disturbed by whatever else the machine is doing.
 */
export async function timed(step: () => unknown, o: { seconds: number; items?: number; warmupMs?: number }): Promise<number> {
  const w0 = performance.now();
  for (let i = 0; i < 2 || performance.now() - w0 < (o.warmupMs ?? 1000); i++) await step();
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
