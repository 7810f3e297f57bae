/**
 * @dft/losses: the logit and feature supervision losses of DFT for any tfjs causal LM that exposes hidden states
 * and a head (the structural `HookedCausalLM`), one module per loss.
 */
export { causalLmLoss, type CausalLmLossOptions, type Reduction } from './causal-lm-loss.js';
export { logitLensLoss, type LogitLensLossOptions } from './logit-lens-loss.js';
export { featureAlignmentLoss, type FeatureAlignmentOptions } from './feature-alignment-loss.js';
export { dftObjective, DFT_METHODS, type DftMethod, type DftObjective, type DftObjectiveOptions, type DftLossResult, type DftTerms } from './dft-objective.js';
export { layerEntropy, type LayerEntropyResult } from './layer-entropy.js';
export { poolStates, type Pool } from './pooling.js';
export { defaultChunkTokens, LOGITS_CHUNK_ELEMENTS } from './chunk-size.js';
export type { HiddenWithHead } from './projected-loss.js';
export type { DftBatch, LabeledSequences, PromptSpans } from './batch.js';
export type { ForwardOptions, ForwardResult, HookedCausalLM, LmHead, LmHeadOptions, LogitLensHead } from './model.js';
// Re-exported so a user of the losses detaches teachers with the same op the losses use.
export { stopGradient, noGrad } from '@dft/ops';
