export * from './mlp.js';
export * from './lenet5.js';
export * from './registry.js';
export * from './resnet.js';
