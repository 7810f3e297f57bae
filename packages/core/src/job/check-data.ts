import type { CausalLM } from '../model/model.js';
import type { Dataset } from '@dft/data';

/**
 * Refuses prepared data whose tokenizer is not the model's (different tokenizer.json, or a larger vocabulary), or
 * whose sequences may be longer than the model's context (its max length above max_position_embeddings).
 */
export function checkData(ds: Dataset, model: CausalLM, tokenizerHash: string | undefined, modelDir: string): void {
  const t = ds.header.tokenizer;
  if (tokenizerHash && t.sha256 !== tokenizerHash) {
    throw new Error(`${ds.path} was prepared with another tokenizer (sha256 ${t.sha256.slice(0, 12)}…) than ${modelDir} (${tokenizerHash.slice(0, 12)}…): run dft prepare with this model's tokenizer`);
  }
  const positions = model.config.maxPositionEmbeddings;
  if (ds.header.maxLength > positions) {
    throw new Error(`${ds.path} was prepared with max length ${ds.header.maxLength}, more than the ${positions} positions (max_position_embeddings) of ${modelDir}: prepare it again with --max-length ${positions} or less`);
  }
  if (t.vocabSize > model.config.vocabSize) {
    throw new Error(`${ds.path}: its tokenizer has ${t.vocabSize} tokens, more than the ${model.config.vocabSize} of ${modelDir}`);
  }
}
