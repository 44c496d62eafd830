/**
 * Train the course's MLP and LeNet-5 on Fashion-MNIST with specnet's own engine,
 * and report test accuracy, epochs, wall time and images/second.
 *
 *   npm run example:fashion -- --model lenet5 --epochs 3
 *   npm run example:fashion -- --model mlp --epochs 3 --optimizer sgd --lr 0.05
 *
 * The loop is written out on purpose: forward, loss, backward, step.
 */
import { Command, InvalidArgumentError } from 'commander';
import { onInterrupt, Progress, yieldToEventLoop } from '../src/util/progress.js';
import {
  ArrayLoader, createModel, getBackend, loadMnistStyle, manualSeed, modelNames, nn, noGrad, optim, setBackend, type Tensor,
} from '../src/index.js';

const int = (v: string): number => { const n = Number(v); if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer'); return n; };
const num = (v: string): number => { const n = Number(v); if (!(n > 0)) throw new InvalidArgumentError('expected a positive number'); return n; };

const program = new Command('fashion_mnist')
  .description('Train an MLP or LeNet-5 on Fashion-MNIST (IDX files) with specnet\'s engine')
  .option('--model <name>', `model to train (${['mlp', 'lenet5'].join(', ')})`, 'lenet5')
  .option('--epochs <n>', 'training epochs', int, 3)
  .option('--batch-size <n>', 'mini-batch size', int, 64)
  .option('--optimizer <name>', 'adam, adamw, sgd (momentum 0.9), rmsprop or adagrad', 'adam')
  .option('--lr <x>', 'learning rate', num, 1e-3)
  .option('--data <dir>', 'folder with the four IDX files (default: Debian\'s dataset-fashion-mnist)')
  .option('--limit <n>', 'use only the first n training images (quick runs)', int)
  .option('--seed <n>', 'random seed (initialisation and shuffling)', (v) => Number(v), 0)
  .option('--backend <name>', 'reference or native (default: SPECNET_BACKEND, else the best that loads)')
  .option('--json', 'print the result as one JSON object');

program.parse();
const o = program.opts<{ model: string; epochs: number; batchSize: number; optimizer: string; lr: number; data?: string; limit?: number; seed: number; backend?: string; json?: boolean }>();

function makeOptimizer(name: string, params: [string, Tensor][], lr: number): optim.Optimizer {
  switch (name) {
    case 'adam': return new optim.Adam(params, { lr });
    case 'adamw': return new optim.AdamW(params, { lr });
    case 'sgd': return new optim.SGD(params, { lr, momentum: 0.9 });
    case 'rmsprop': return new optim.RMSprop(params, { lr });
    case 'adagrad': return new optim.Adagrad(params, { lr });
    default: throw new Error(`unknown optimizer '${name}' (known: adam, adamw, sgd, rmsprop, adagrad)`);
  }
}

function accuracy(model: nn.Module, images: Float32Array, labels: Int32Array): number {
  const loader = new ArrayLoader(images, labels, [28, 28, 1], { batchSize: 500 });
  let correct = 0;
  for (const { x, y } of loader.epoch()) {
    const pred = noGrad(() => model.predict(x).argmax(1)).toArray();
    pred.forEach((p, i) => { if (p === y[i]) correct++; });
  }
  return correct / labels.length;
}

async function main(): Promise<void> {
  if (o.backend) setBackend(o.backend);
  if (!modelNames().includes(o.model)) throw new Error(`unknown model '${o.model}' (known: ${modelNames().join(', ')})`);
  const data = loadMnistStyle(o.data);
  manualSeed(o.seed);
  const model = createModel(o.model, { inputSize: 28, numClasses: 10 });
  const opt = makeOptimizer(o.optimizer, model.namedParameters(), o.lr);
  const n = Math.min(o.limit ?? data.train.count, data.train.count);
  const loader = new ArrayLoader(data.train.images.subarray(0, n * 784), data.train.labels.subarray(0, n), [28, 28, 1],
    { batchSize: o.batchSize, shuffle: true, seed: o.seed });
  const log = (s: string) => { if (!o.json) process.stdout.write(s + '\n'); };
  log(`specnet ${o.model} on ${data.dir}: ${n} train / ${data.test.count} test images, backend ${getBackend().name}, ${model.numParameters()} parameters`);

  const interrupt = onInterrupt('stopping after this batch (Ctrl-C again to quit now)');
  let stop = false;

  const epochs: { epoch: number; loss: number; testAccuracy: number; seconds: number; imagesPerSecond: number }[] = [];
  const start = performance.now();
  let trainSeconds = 0, seen = 0;
  for (let epoch = 1; epoch <= o.epochs && !stop; epoch++) {
    model.train();
    const t0 = performance.now();
    let lossSum = 0, batches = 0, count = 0;
    const bar = new Progress(`epoch ${epoch}`, loader.length, { unit: 'batches' });
    for (const { x, y } of loader.epoch(epoch)) {
      const loss = nn.crossEntropy(model.forward(x), y);   // forward pass and loss
      opt.zeroGrad();
      loss.backward();                                      // backprop: the chain rule, op by op
      opt.step();                                           // gradient descent step
      const l = loss.item();
      if (!Number.isFinite(l)) throw new Error(`loss became ${l} at epoch ${epoch}, batch ${batches + 1}: lower --lr`);
      lossSum += l; batches++; count += y.length;
      bar.tick(1, { loss: (lossSum / batches).toFixed(4), 'img/s': Math.round(count / ((performance.now() - t0) / 1000)) });
      await yieldToEventLoop();                             // let Ctrl-C and the progress bar run
      if ((stop = interrupt.stopRequested())) break;
    }
    bar.stop();
    const seconds = (performance.now() - t0) / 1000;
    trainSeconds += seconds; seen += count;
    const testAccuracy = accuracy(model, data.test.images, data.test.labels);
    epochs.push({ epoch, loss: lossSum / Math.max(batches, 1), testAccuracy, seconds, imagesPerSecond: count / seconds });
    log(`epoch ${epoch}: loss ${(lossSum / Math.max(batches, 1)).toFixed(4)}, test accuracy ${(100 * testAccuracy).toFixed(2)}%, ${seconds.toFixed(1)} s, ${Math.round(count / seconds)} img/s`);
  }
  const result = {
    model: o.model, backend: getBackend().name, optimizer: o.optimizer, lr: o.lr, batchSize: o.batchSize, trainImages: n,
    epochs: epochs.length, testAccuracy: epochs.at(-1)?.testAccuracy ?? 0, wallSeconds: (performance.now() - start) / 1000,
    trainImagesPerSecond: seen / Math.max(trainSeconds, 1e-9), stopped: stop, history: epochs,
  };
  interrupt.dispose();
  if (stop) process.exitCode = 130;
  if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
  else log(`${stop ? 'stopped early: ' : ''}${o.model}: test accuracy ${(100 * result.testAccuracy).toFixed(2)}% after ${result.epochs} epochs, ` +
    `${result.wallSeconds.toFixed(0)} s wall, ${Math.round(result.trainImagesPerSecond)} train img/s`);
}

main().catch((e: Error) => {
  process.stderr.write(`error: ${e.message}\n`);
  process.exit(1);
});
