/**
 * @dft/ops: dft's fused operations as tfjs ops. Each has a kernel name, a gradient and a composite of standard tfjs
 * ops; a backend that registers kernels under these names runs them, every other backend runs the composite.
 */
export { rmsNorm, rmsNormComposite, rmsNormShape, RMS_NORM, RMS_NORM_GRAD, type RmsNormAttrs } from './rms-norm.js';
export { gatedActivation, gatedActivationComposite, checkGatedActivation, GATED_ACTIVATION, GATED_ACTIVATION_GRAD, GATED_ACTIVATIONS, type GatedActivation } from './gated-activation.js';
export { tokenNll, tokenNllComposite, tokenNllShape, TOKEN_NLL, TOKEN_NLL_GRAD } from './token-nll.js';
export { chunkedHeadNll, chunkedHeadNllComposite, headNllShape, HEAD_NLL, HEAD_NLL_GRAD, type HeadNllAttrs, type HeadProjection } from './head-nll.js';
export { adamwUpdate, adamwUpdateComposite, adamwCorrections, ADAMW_UPDATE, type AdamWAttrs } from './adamw-update.js';
export { stopGradient } from './stop-gradient.js';
export { noGrad } from './no-grad.js';
export { hasKernels } from './kernels.js';
export { OP_KERNELS } from './op-kernels.js';
