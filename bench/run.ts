/**
 * `npm run bench`: training and inference images/second of specnet against
 * PyTorch 1.13 (Debian's python3-torch) on the same architectures and batches,
 * measured side by side in one run; the peer is tried in three thread settings
 * and its best is kept. Also: achieved GFLOP/s of ResNet-18's convolutions in
 * training against a measured 2048² matmul peak.
 *
 *   npm run bench                      # table
 *   npm run bench -- --json            # one JSON object per line
 *   npm run bench -- --models lenet5_32,mlp_28 --seconds 3
 *   npm run bench -- --rounds 3        # best of 3 alternating rounds, for noisy machines
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import {
  getBackend, LeNet5, MLP, nn, noGrad, optim, randn, resnet14, resnet18, resnetSmall, setBackend, type Tensor,
} from '../src/index.js';
import { nativeAddon, physicalCores } from '../src/backend/native/index.js';
import type { Backend, Conv2dParams, Shape, Storage } from '../src/backend/backend.js';
import { convOutSize } from '../src/backend/shape.js';
import { timed } from './timing.js';

const ALL = ['mlp_28', 'lenet5_32', 'lenet5_64', 'lenet5_224', 'resnet14_64', 'resnet_small_64', 'resnet18_224'];
const program = new Command('bench')
  .option('--json', 'one JSON object per line')
  .option('--models <list>', 'comma-separated subset', ALL.join(','))
  .option('--seconds <s>', 'time per measurement', (v) => Number(v), 2)
  .option('--rounds <n>', 'measure ours and the peer this many times, alternating, and keep the best of each (for noisy machines)', (v) => Number(v), 1)
  .option('--backend <name>', 'specnet backend to measure', 'native')
  .option('--no-peer', 'skip PyTorch');
program.parse();
const o = program.opts<{ json?: boolean; models: string; seconds: number; rounds: number; backend: string; peer: boolean }>();

const models = o.models.split(',').filter(Boolean);
const usage = (msg: string): never => { process.stderr.write(`bench: ${msg}\n`); process.exit(2); };
for (const m of models) if (!ALL.includes(m)) usage(`unknown benchmark model '${m}' (known: ${ALL.join(', ')})`);
if (!Number.isInteger(o.rounds) || o.rounds < 1) usage(`--rounds must be a whole number of at least 1, got ${o.rounds}`);
const say = (s: string) => { if (!o.json) process.stderr.write(s + '\n'); };

interface Spec { make: () => nn.Module; shape: number[] }
const SPECS: Record<string, Spec> = {
  mlp_28: { make: () => new MLP(), shape: [64, 28, 28, 1] },
  lenet5_32: { make: () => new LeNet5({ inputSize: 32 }), shape: [64, 32, 32, 1] },
  lenet5_64: { make: () => new LeNet5({ inputSize: 64 }), shape: [64, 64, 64, 1] },
  lenet5_224: { make: () => new LeNet5({ inputSize: 224 }), shape: [32, 224, 224, 1] },
  // the default Model B, at the matrix's 64×64 input and batch
  resnet14_64: { make: () => resnet14({ inChannels: 1, numClasses: 10 }), shape: [64, 64, 64, 1] },
  resnet_small_64: { make: () => resnetSmall({ inChannels: 1, numClasses: 10 }), shape: [64, 64, 64, 1] },
  resnet18_224: { make: () => resnet18({ inChannels: 3, numClasses: 10 }), shape: [16, 224, 224, 3] },
};

/** One training step as the trainer takes it: the graph's memory is handed back after backward. */
function trainStep(model: nn.Module, x: Tensor, y: number[], opt: optim.SGD): void {
  opt.zeroGrad();
  nn.crossEntropy(model.forward(x), y).backward(undefined, { releaseGraph: true });
  opt.step();
}

const timedRate = (step: () => void, items: number) => timed(step, { seconds: o.seconds, items });

async function ours(name: string): Promise<{ train: number; infer: number }> {
  const { make, shape } = SPECS[name];
  const model = make();
  const x = randn(shape);
  const y = Array.from({ length: shape[0] }, (_, i) => i % 10);
  const opt = new optim.SGD(model.namedParameters(), { lr: 0.01, momentum: 0.9 });
  model.train();
  const train = await timedRate(() => {
    trainStep(model, x, y, opt);
  }, shape[0]);
  model.eval();
  const infer = await timedRate(() => { noGrad(() => model.forward(x)); }, shape[0]);
  return { train, infer };
}

/** Time the conv kernels of ResNet-18 training: achieved GFLOP/s over the conv time only, counting a direct convolution's FLOPs (direct-equivalent where Winograd runs). */
function convGflops(): number {
  const B = getBackend();
  let flops = 0, ms = 0;
  const macs = (xShape: Shape, wShape: Shape, p: Conv2dParams): number => {
    const Ho = convOutSize(xShape[1], wShape[1], p.stride[0], p.padding[0], p.padding[1], p.dilation[0]);
    const Wo = convOutSize(xShape[2], wShape[2], p.stride[1], p.padding[2], p.padding[3], p.dilation[1]);
    return xShape[0] * Ho * Wo * wShape[0] * wShape[1] * wShape[2] * wShape[3];
  };
  const wrap = <A extends unknown[], R>(f: (...a: A) => R, count: (...a: A) => number) => (...a: A): R => {
    const t = performance.now();
    const r = f(...a);
    ms += performance.now() - t;
    flops += 2 * count(...a);
    return r;
  };
  const timedBackend: Backend = {
    ...B,
    conv2d: wrap(B.conv2d, (_x: Storage, xs: Shape, _w: Storage, ws: Shape, _b: Storage | null, p: Conv2dParams) => macs(xs, ws, p)),
    conv2dBackwardData: wrap(B.conv2dBackwardData, (_g: Storage, _w: Storage, xs: Shape, ws: Shape, p: Conv2dParams) => macs(xs, ws, p)),
    conv2dBackwardWeights: wrap(B.conv2dBackwardWeights, (_g: Storage, _x: Storage, xs: Shape, ws: Shape, p: Conv2dParams) => macs(xs, ws, p)),
  };
  setBackend(timedBackend);
  const model = resnet18({ inChannels: 3, numClasses: 10 });
  const x = randn([16, 224, 224, 3]);
  const y = Array.from({ length: 16 }, (_, i) => i % 10);
  const opt = new optim.SGD(model.namedParameters(), { lr: 0.01, momentum: 0.9 });
  const step = () => trainStep(model, x, y, opt);
  step();
  flops = 0; ms = 0;
  for (let i = 0; i < 3; i++) step();
  setBackend(B);
  return flops / (ms / 1000) / 1e9;
}

async function ourMatmulGflops(): Promise<number> {
  const B = getBackend();
  const a = B.fromArray(new Float32Array(2048 * 2048).fill(0.5)), b = B.fromArray(new Float32Array(2048 * 2048).fill(0.25));
  const rate = await timedRate(() => { B.matmul(a, b, 1, 1, 2048, 2048, 2048, false, false); }, 1);
  return (rate * 2 * 2048 ** 3) / 1e9;
}

/**
 * The peer needs Debian's python3-torch and an optimised BLAS: without
 * libopenblas0-pthread, Debian's torch falls back to the reference BLAS
 * (a 2048² matmul at ~5 GFLOP/s instead of ~170), which would flatter us.
 */
function ensureTorch(): boolean {
  const ok = () => spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  const blas = () => existsSync('/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3') || existsSync('/usr/lib/aarch64-linux-gnu/openblas-pthread/libblas.so.3');
  if (ok() && blas()) return true;
  if (process.getuid?.() === 0) {
    say('bench: installing python3-torch and libopenblas0-pthread (Debian) for the PyTorch peer…');
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
      execFileSync('apt-get', ['install', '-y', '-qq', 'python3-torch', 'libopenblas0-pthread'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } catch { /* reported below */ }
  }
  if (ok() && !blas()) say('bench: warning: no OpenBLAS found; PyTorch uses the reference BLAS and its figures are too low.');
  if (!ok()) say('bench: PyTorch (python3-torch) is not available; install it with apt-get install python3-torch. Printing ours only.');
  return ok();
}

interface PeerRow { model: string; mode: string; images_per_s?: number; value?: number; threads: number }
/** Run the peer for some models (and/or the matmul) in its three thread settings; keep its best figure per (model, mode). */
function peer(list: string[], matmul: boolean, best = new Map<string, { value: number; setting: string }>()): Map<string, { value: number; setting: string }> {
  const cores = physicalCores();
  const settings: [string, NodeJS.ProcessEnv, number][] = [
    [`${cores} threads, OPENBLAS_NUM_THREADS=1`, { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(cores) }, cores],
    ['1 thread', { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' }, 1],
    [`${cores} threads, default OpenBLAS`, {}, cores],
  ];
  for (const [setting, env, threads] of settings) {
    say(`bench: PyTorch ${[...list, ...(matmul ? ['matmul'] : [])].join(', ')}, ${setting}…`);
    const r = spawnSync('/usr/bin/python3', [new URL('../../bench/torch_peer.py', import.meta.url).pathname, '--threads', String(threads),
      '--models', list.join(','), '--seconds', String(o.seconds), ...(matmul ? ['--matmul'] : [])], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) { say(`bench: the PyTorch peer failed (${setting}): ${r.stderr.trim().split('\n').pop()}`); continue; }
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const row = JSON.parse(line) as PeerRow;
      const v = row.images_per_s ?? row.value ?? 0;
      const k = `${row.model}/${row.mode}`;
      if (!best.has(k) || best.get(k)!.value < v) best.set(k, { value: v, setting });
    }
  }
  return best;
}

async function main(): Promise<void> {
  setBackend(o.backend);
  const threads = nativeAddon()?.getNumThreads() ?? 1;
  say(`bench: specnet ${getBackend().name} backend, ${threads} threads; ${o.seconds} s per measurement`);
  // Ours and the peer alternate model by model, so that both see the same machine conditions.
  // With --rounds, each pair is measured again and both sides keep their best.
  // Our best per "model/mode" (insertion order is the table's order), as peer() keeps the peer's.
  const best = new Map<string, number>();
  const keep = (key: string, v: number) => best.set(key, Math.max(best.get(key) ?? 0, v));
  const withPeer = o.peer && ensureTorch();
  const peers = new Map<string, { value: number; setting: string }>();
  for (let round = 1; round <= o.rounds; round++) {
    if (o.rounds > 1) say(`bench: round ${round} of ${o.rounds}`);
    for (const m of models) {
      say(`bench: specnet ${m}…`);
      const r = await ours(m);
      keep(`${m}/train`, r.train);
      keep(`${m}/infer`, r.infer);
      if (withPeer) peer([m], false, peers);
    }
    keep('matmul_2048/gflops', await ourMatmulGflops());
    if (withPeer) peer([], true, peers);
    if (models.includes('resnet18_224')) keep('resnet18_224_conv/gflops', convGflops());
  }
  const mm = best.get('matmul_2048/gflops')!, peak = peers.get('matmul_2048/gflops');
  const rows = [...best].map(([key, ours]) => {
    const [model, mode] = key.split('/');
    if (model === 'resnet18_224_conv') {
      const ref = Math.max(mm, peak?.value ?? 0);
      return { model, mode, ours, peer: ref, peer_name: 'measured 2048² matmul peak (best of ours and PyTorch)', ratio: ours / ref };
    }
    const p = peers.get(key);
    return { model, mode, ours, peer: p?.value ?? null, peer_name: p ? `PyTorch 1.13 (${p.setting})` : null, ratio: p ? ours / p.value : null };
  });
  if (o.json) { for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n'); return; }
  const f = (v: number | null) => (v === null ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
  console.log(`\n${'model'.padEnd(20)} ${'mode'.padEnd(7)} ${'specnet'.padStart(10)} ${'PyTorch'.padStart(10)} ${'ratio'.padStart(7)}  peer setting`);
  for (const r of rows) {
    console.log(`${r.model.padEnd(20)} ${r.mode.padEnd(7)} ${f(r.ours).padStart(10)} ${f(r.peer).padStart(10)} ${(r.ratio === null ? '-' : r.ratio.toFixed(2) + '×').padStart(7)}  ${r.peer_name ?? ''}`);
  }
  console.log('\nimages/s for train (forward + backward + SGD step) and infer; GFLOP/s rows as named (resnet18_224_conv counts a direct convolution\'s FLOPs: where Winograd runs it does fewer, so the rate is direct-equivalent; SPECNET_NO_WINOGRAD=1 measures the direct kernels).');
}

if (!existsSync('/usr/bin/python3')) say('bench: /usr/bin/python3 missing; the PyTorch peer will be skipped');
main().catch((e: Error) => { process.stderr.write(`bench: ${e.message}\n`); process.exit(1); });
