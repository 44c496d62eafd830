import './methods.js';
export * from './ops/index.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './gradcheck.js';
export { noGrad, enableGrad, isGradEnabled } from '../tensor/grad_mode.js';
