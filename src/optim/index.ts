export * from './optimizer.js';
export * from './sgd.js';
export * from './adam.js';
export * from './rmsprop.js';
export * from './adagrad.js';
export * from './lr_scheduler.js';
export * from './clip.js';
