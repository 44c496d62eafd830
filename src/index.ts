/**
 * specnet: a TypeScript deep-learning toolkit with its own readable engine.
 * Layers, bottom up: backend → tensor → autograd → nn → optim → models; data beside them.
 */
export * from './backend/index.js';
export { ShapeError, broadcastShapes } from './backend/shape.js';
export { Tensor, type GradFn } from './tensor/tensor.js';
export * from './tensor/create.js';
export { Generator, manualSeed, defaultGenerator } from './tensor/random.js';
export * from './autograd/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * from './data/idx.js';
export * from './data/loader.js';
export * from './models/mlp.js';
export * from './models/lenet5.js';
export * from './models/registry.js';
export * from './models/resnet.js';
export * from './models/mobilenetv2.js';
export * from './models/efficientnet.js';
export * from './models/densenet.js';
export * from './models/googlenet.js';
export * from './data/mnist.js';
export { init, Run, type InitOptions } from './track/tracker.js';
export { Store, type RunRow, type HistoryRow } from './track/store.js';
export { startDashboard, type DashboardOptions } from './track/server.js';
export { resolveConfig, readConfigFile, parseOverrides, ConfigError, type SpecnetConfig } from './config.js';
export { train, evaluate, DEFAULT_TRAIN, type TrainConfig, type TrainResult } from './train/trainer.js';
export { runMatrix, type MatrixRun, type MatrixResult } from './train/matrix.js';
