import cliProgress from 'cli-progress';

export interface ProgressOptions {
  /** What is being counted, e.g. 'batches'. */
  unit?: string;
  stream?: NodeJS.WriteStream;
  /** Seconds between plain-text lines when the stream is not a terminal. */
  logEvery?: number;
}

/**
 * A progress bar with rate and ETA: cli-progress on a terminal, and a plain
 * line every few seconds otherwise (logs, CI). Call `tick()` from the loop and
 * yield to the event loop now and then (see `yieldToEventLoop`) so timers and Ctrl-C run.
 */
export class Progress {
  private readonly bar: cliProgress.SingleBar | null;
  private readonly start = performance.now();
  private lastLog = performance.now();
  private value = 0;

  constructor(readonly label: string, readonly total: number, readonly o: ProgressOptions = {}) {
    const stream = o.stream ?? process.stderr;
    if (stream.isTTY) {
      this.bar = new cliProgress.SingleBar({
        format: `${label} |{bar}| {value}/{total} ${o.unit ?? ''} | {rate}/s | ETA {eta_formatted} {extra}`,
        hideCursor: true, stream, etaBuffer: 50,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(total, 0, { rate: '-', extra: '' });
    } else this.bar = null;
  }

  /** Advance by n and set extra fields shown after the bar (e.g. the running loss). */
  tick(n = 1, extra: Record<string, string | number> = {}): void {
    this.value += n;
    const rate = this.rate();
    const text = Object.entries(extra).map(([k, v]) => `${k} ${v}`).join(' ');
    if (this.bar) { this.bar.update(this.value, { rate: rate.toFixed(1), extra: text }); return; }
    const now = performance.now();
    if ((now - this.lastLog) / 1000 >= (this.o.logEvery ?? 10)) {
      this.lastLog = now;
      (this.o.stream ?? process.stderr).write(`${this.label}: ${this.value}/${this.total} ${this.o.unit ?? ''}, ${rate.toFixed(1)}/s, ETA ${formatSeconds((this.total - this.value) / Math.max(rate, 1e-9))} ${text}\n`);
    }
  }

  /** Set the count done (for callbacks that report totals rather than increments). */
  update(value: number, extra: Record<string, string | number> = {}): void { this.tick(value - this.value, extra); }

  /** Items per second so far. */
  rate(): number { return this.value / Math.max((performance.now() - this.start) / 1000, 1e-9); }

  stop(): void { if (this.bar) this.bar.stop(); }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60), r = Math.round(s % 60);
  return m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

/** Let timers, I/O and signal handlers (Ctrl-C) run between two steps of a long loop. */
export function yieldToEventLoop(): Promise<void> { return new Promise((resolve) => setImmediate(resolve)); }

/**
 * Ctrl-C handling for long jobs: the first SIGINT asks the loop to stop at the
 * next safe point (check `stopRequested()`); a second one exits at once.
 */
export function onInterrupt(message = 'stopping after this step (Ctrl-C again to quit now)'): { stopRequested: () => boolean; dispose: () => void } {
  let requested = false;
  const handler = (): void => {
    if (requested) process.exit(130);
    requested = true;
    process.stderr.write(`\n${message}\n`);
  };
  process.on('SIGINT', handler);
  return { stopRequested: () => requested, dispose: () => { process.off('SIGINT', handler); } };
}
