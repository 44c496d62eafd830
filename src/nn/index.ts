export * from './module.js';
export * as init from './init.js';
export * from './loss.js';
export * from './layers/linear.js';
export * from './layers/conv.js';
export * from './layers/pool.js';
export * from './layers/norm.js';
export * from './layers/activation.js';
export * from './layers/dropout.js';
