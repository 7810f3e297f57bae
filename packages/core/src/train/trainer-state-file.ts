import type { TrainerState } from './training-checkpoint.js';

/**
 * The bookkeeping fields of Hugging Face's `TrainerState` (transformers' `trainer_callback.py`) that a run fills
 * besides `epoch`, `global_step` and `log_history`, under HF's own names.
 */
export interface HfTrainerBookkeeping {
  max_steps: number;
  num_train_epochs: number;
  /** Examples per device per forward pass (HF's `per_device_train_batch_size`). */
  train_batch_size: number;
  logging_steps: number;
  eval_steps: number;
  save_steps: number;
  num_input_tokens_seen: number;
  /** 6 × non-embedding parameters × tokens, as HF's `floating_point_ops` estimates it. */
  total_flos: number;
  /** Lowest `eval_loss` so far, its step, and the checkpoint saved at that step (null until one exists). */
  best_metric: number | null;
  best_global_step: number | null;
  best_model_checkpoint: string | null;
}

/** HF `TrainerState` fields a single-process, non-search run always writes the same way. */
const HF_CONSTANTS = {
  is_hyper_param_search: false,
  is_local_process_zero: true,
  is_world_process_zero: true,
  stateful_callbacks: {},
  trial_name: null,
  trial_params: null,
};

const HF_KEYS: readonly (keyof HfTrainerBookkeeping)[] = [
  'max_steps',
  'num_train_epochs',
  'train_batch_size',
  'logging_steps',
  'eval_steps',
  'save_steps',
  'num_input_tokens_seen',
  'total_flos',
  'best_metric',
  'best_global_step',
  'best_model_checkpoint',
];

/**
 * `trainer_state.json` as written: HF's TrainerState schema (keys sorted, as HF's `save_to_json` writes them), then
 * the fields only this project reads on resume (`step`, `dataPosition`, `seed`, `config`). The log is stored once,
 * as `log_history`.
 */
export function trainerStateJson(state: TrainerState): Record<string, unknown> {
  const hf: Record<string, unknown> = {
    ...HF_CONSTANTS,
    ...(state.hf ?? {}),
    epoch: state.epoch,
    global_step: state.step,
    log_history: state.log ?? [],
  };
  const sorted = Object.fromEntries(Object.keys(hf).sort().map((k) => [k, hf[k]]));
  return { ...sorted, step: state.step, dataPosition: state.dataPosition, seed: state.seed, config: state.config };
}

/** Reads what `trainerStateJson` wrote (and the earlier layout, which kept the log as `log` and had no HF fields). */
export function trainerStateFromJson(json: Record<string, unknown>): TrainerState {
  const hasHf = HF_KEYS.every((k) => k in json);
  return {
    step: (json.step ?? json.global_step) as number,
    epoch: json.epoch as number,
    dataPosition: json.dataPosition,
    seed: json.seed as number,
    config: json.config,
    log: (json.log_history ?? json.log) as unknown[] | undefined,
    ...(hasHf ? { hf: Object.fromEntries(HF_KEYS.map((k) => [k, json[k]])) as unknown as HfTrainerBookkeeping } : {}),
  };
}
