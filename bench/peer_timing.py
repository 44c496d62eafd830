"""Timing shared by the Python peers of the benchmarks, the same rule as bench/run.ts and bench/audio.ts."""
import time


def timed(step, seconds, items=1, warmup=3.0):
    """Items per second of `step`: the best of 3 windows of about seconds/3 (at least 2 calls each),
    after a warm-up of at least 2 calls and `warmup` seconds (3 s: see bench/timing.ts)."""
    w0, i = time.perf_counter(), 0
    while i < 2 or time.perf_counter() - w0 < warmup:
        step()
        i += 1
    best = 0.0
    for _ in range(3):
        n, t0 = 0, time.perf_counter()
        while True:
            step()
            n += 1
            dt = time.perf_counter() - t0
            if dt >= seconds / 3 and n >= 2:
                best = max(best, n * items / dt)
                break
    return best
