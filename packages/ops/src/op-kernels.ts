import { ADAMW_UPDATE } from './adamw-update.js';
import { GATED_ACTIVATION, GATED_ACTIVATION_GRAD } from './gated-activation.js';
import { HEAD_NLL, HEAD_NLL_GRAD } from './head-nll.js';
import { RMS_NORM, RMS_NORM_GRAD } from './rms-norm.js';
import { TOKEN_NLL, TOKEN_NLL_GRAD } from './token-nll.js';

/**
 * Every kernel name an op of this package runs when the active backend registers it: what a backend package
 * implements (all or some; an op uses its kernels only when all of its own are there).
 */
export const OP_KERNELS = [RMS_NORM, RMS_NORM_GRAD, GATED_ACTIVATION, GATED_ACTIVATION_GRAD, TOKEN_NLL, TOKEN_NLL_GRAD, HEAD_NLL, HEAD_NLL_GRAD, ADAMW_UPDATE] as const;
