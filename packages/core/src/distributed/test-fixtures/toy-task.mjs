// A toy training task shared by the distributed tests and their rank entry (toy-rank.mjs). The core API is passed
// in, so the test (TypeScript sources) and the ranks (compiled dist) run the same task.

/**
 * Global steps as micro-batch sizes; micro-batch m goes to rank m mod N. Over 2 ranks: even shares (2 + 2), uneven
 * ones (3 + 2 rows), a step of one micro-batch (rank 1 only has a weight-0 stand-in), and one where rank 0
 * accumulates two micro-batches (2 and 1 rows) and rank 1 one.
 */
export const STEPS = [[2, 2], [3, 2], [1], [2, 2, 1]];
const T = 8;

/** A two-layer LLaMA small enough to train in milliseconds (grouped-query attention included), as config.json. */
export const TOY_LLAMA_CONFIG = {
  model_type: 'llama',
  vocab_size: 40,
  hidden_size: 16,
  intermediate_size: 24,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  max_position_embeddings: 32,
  initializer_range: 0.2,
};

export function toyTask({ tf, parseConfig, CausalLM, initialParameters }) {
  const config = parseConfig(TOY_LLAMA_CONFIG);
  const example = (i) => Array.from({ length: T }, (_, t) => (i * 7 + t * 3 + ((i * t) % 5)) % config.vocabSize);
  return {
    newModel: (seed) => new CausalLM(config, initialParameters(config, seed)),
    /** Mean next-token CE; every row has T tokens, so the mean over a batch is the mean of its rows' means. */
    ce: (model, rows) => {
      const ids = tf.tensor2d(rows, undefined, 'int32');
      const logits = model.forward(ids).logits;
      const B = rows.length;
      const pred = tf.reshape(tf.slice(logits, [0, 0, 0], [B, T - 1, -1]), [-1, config.vocabSize]);
      const labels = tf.oneHot(tf.reshape(tf.slice(ids, [0, 1], [B, T - 1]), [-1]), config.vocabSize);
      const loss = tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(pred)), -1)));
      return { loss, terms: { tft: loss } };
    },
    /** Example indices of the micro-batches of global step s (consecutive examples, in order). */
    stepRows: (s) => {
      let from = STEPS.slice(0, s).flat().reduce((a, b) => a + b, 0);
      return STEPS[s].map((size) => Array.from({ length: size }, () => from++));
    },
    example,
  };
}

export const TOY_OPTS = { lr: 1e-2, totalSteps: 10, warmupSteps: 1, schedule: 'cosine', maxGradNorm: 1, weightDecay: 0.01 };
