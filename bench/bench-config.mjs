/** The benchmark model of docs/design.md: a 19.5 M-parameter LLaMA, batch 4 × 128. */
export const BENCH_MODEL = {
  model_type: 'llama',
  vocab_size: 32000,
  hidden_size: 256,
  intermediate_size: 688,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 4,
  max_position_embeddings: 512,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: false,
  initializer_range: 0.02,
  bos_token_id: 1,
  eos_token_id: 2,
};
export const BENCH_BATCH = 4;
export const BENCH_SEQ = 128;
