import { UsageError } from '../command.js';

type Raw = Record<string, unknown>;

/**
 * Hugging Face `TrainingArguments` names accepted in a `dft train` config, each with the setting it means here.
 * Values keep their HF meaning: `translate` turns HF's spelling of a value into ours (or refuses one we cannot honour).
 */
interface HfName {
  setting: string;
  translate?: (value: unknown, where: string) => unknown;
}

const wholeEpochs = (v: unknown, where: string) => {
  const n = Number(v);
  if (typeof v !== 'boolean' && Number.isFinite(n) && n > 0 && !Number.isInteger(n)) {
    throw new UsageError(`${where}: "num_train_epochs" ${n} is a fraction: dft trains whole epochs (use "max_steps" to stop early)`);
  }
  return v;
};

/** HF takes a float in (0, 1) as a fraction of the total steps; dft counts steps. */
const stepCount = (key: string) => (v: unknown, where: string) => {
  if (typeof v === 'number' && v > 0 && v < 1) throw new UsageError(`${where}: "${key}" ${v} is a fraction of the run: give a number of steps`);
  return v;
};

/** HF's `lr_scheduler_type` values that are one of our schedules. */
const SCHEDULES: Record<string, string> = { linear: 'linear', cosine: 'cosine', constant_with_warmup: 'constant' };

const HF_NAMES: Record<string, HfName> = {
  learning_rate: { setting: 'lr' },
  num_train_epochs: { setting: 'epochs', translate: wholeEpochs },
  // HF: -1 = not set (epochs decide).
  max_steps: { setting: 'maxSteps', translate: (v) => (v === -1 ? undefined : v) },
  warmup_ratio: { setting: 'warmupRatio' },
  // HF: 0 = warmup_ratio decides (our warmupSteps, when set, always wins over warmupRatio).
  warmup_steps: { setting: 'warmupSteps', translate: (v, where) => (v === 0 ? undefined : stepCount('warmup_steps')(v, where)) },
  weight_decay: { setting: 'weightDecay' },
  max_grad_norm: { setting: 'maxGradNorm' },
  adam_beta1: { setting: 'adamBeta1' },
  adam_beta2: { setting: 'adamBeta2' },
  adam_epsilon: { setting: 'adamEpsilon' },
  lr_scheduler_type: {
    setting: 'schedule',
    translate: (v, where) => {
      if (typeof v === 'string' && Object.hasOwn(SCHEDULES, v)) return SCHEDULES[v];
      throw new UsageError(`${where}: "lr_scheduler_type" ${JSON.stringify(v)} is not supported (supported: ${[...Object.keys(SCHEDULES), 'constant'].join(', ')})`);
    },
  },
  save_steps: { setting: 'saveEvery', translate: stepCount('save_steps') },
  save_total_limit: {
    setting: 'keepLast',
    translate: (v, where) => {
      if (v === null) throw new UsageError(`${where}: "save_total_limit": null (keep every checkpoint) is not supported: give how many to keep`);
      return v;
    },
  },
  output_dir: { setting: 'out' },
  overwrite_output_dir: { setting: 'overwrite' },
  // HF: true = the newest checkpoint in output_dir.
  resume_from_checkpoint: { setting: 'resumeFrom', translate: (v) => (v === true ? 'latest' : v === false || v === null ? undefined : v) },
  seed: { setting: 'seed' },
  gradient_checkpointing: { setting: 'gradientCheckpointing' },
  // HF's eval_steps evaluates the eval dataset's loss: our validation loss (evalEvery runs benchmark tasks).
  eval_steps: { setting: 'evalSteps', translate: stepCount('eval_steps') },
  report_to: {
    setting: 'reportTo',
    translate: (v, where) => {
      const list = typeof v === 'string' ? [v] : v;
      const other = Array.isArray(list) ? list.find((x) => !['tensorboard', 'all', 'none'].includes(x as string)) : v;
      if (other !== undefined) throw new UsageError(`${where}: "report_to": ${JSON.stringify(other)} is not supported (supported: tensorboard, all, none)`);
      return list;
    },
  },
};

/** How HF spells a batch: per device and forward pass, times devices, times accumulation steps = the global batch. */
export const HF_BATCH_NAMES = ['per_device_train_batch_size', 'gradient_accumulation_steps'] as const;

/**
 * HF names of features dft does not have yet: a value that asks for the feature is refused (never silently
 * ignored); the value that means "off" (HF's default) is accepted.
 */
const UNSUPPORTED: Record<string, { off: (v: unknown) => boolean; what: string }> = {
  bf16: { off: (v) => v === false, what: 'bf16 mixed-precision training (dft trains in float32; "dtype" sets the saved checkpoint dtype)' },
  fp16: { off: (v) => v === false, what: 'fp16 mixed-precision training (dft trains in float32; "dtype" sets the saved checkpoint dtype)' },
  // dft writes one log.jsonl row per optimizer step.
  logging_steps: { off: (v) => v === 1, what: 'logging every N > 1 steps (dft logs every step)' },
  lr_scheduler_kwargs: { off: (v) => v === null || (typeof v === 'object' && Object.keys(v as object).length === 0), what: 'lr_scheduler_kwargs' },
  optim: { off: (v) => v === 'adamw_torch' || v === 'adamw_hf' || v === 'adamw_torch_fused', what: 'optimizers other than AdamW' },
};

/** Every HF name this module knows (for did-you-mean). */
export const HF_SETTING_NAMES: readonly string[] = [...Object.keys(HF_NAMES), ...HF_BATCH_NAMES, ...Object.keys(UNSUPPORTED)];

/** The setting an HF name stands for (`learning_rate` → `lr`), or undefined. */
export function settingForHfName(name: string): string | undefined {
  if (Object.hasOwn(HF_NAMES, name)) return HF_NAMES[name].setting;
  if (name === 'per_device_train_batch_size') return 'microBatch';
  if (name === 'gradient_accumulation_steps') return 'globalBatch';
  return undefined;
}

/** Per-layer HF batch sizes, kept apart because they become microBatch / globalBatch only once `workers` is known. */
export interface HfBatch {
  perDevice?: unknown;
  accumulation?: unknown;
}

/**
 * Rewrites one config layer's HF names into our settings. Setting one thing under both names in one layer is an
 * error (which one would win is not obvious); `lr_scheduler_type: constant` is HF's constant rate without warmup.
 */
export function fromHfNames(layer: Raw, where: string): { settings: Raw; batch: HfBatch } {
  const settings: Raw = {};
  const batch: HfBatch = {};
  const setBy = new Map<string, string>();
  for (const [key, value] of Object.entries(layer)) {
    if (Object.hasOwn(UNSUPPORTED, key)) {
      const u = UNSUPPORTED[key];
      if (!u.off(value)) throw new UsageError(`${where}: "${key}": ${u.what} is not supported yet (got ${JSON.stringify(value)})`);
      continue;
    }
    if (key === 'per_device_train_batch_size') batch.perDevice = value;
    else if (key === 'gradient_accumulation_steps') batch.accumulation = value;
    const hf = Object.hasOwn(HF_NAMES, key) ? HF_NAMES[key] : undefined;
    const setting = hf?.setting ?? settingForHfName(key) ?? key;
    const other = setBy.get(setting);
    if (other !== undefined) throw new UsageError(`${where}: "${other}" and "${key}" both set ${setting}: keep one`);
    setBy.set(setting, key);
    if (HF_BATCH_NAMES.includes(key as (typeof HF_BATCH_NAMES)[number])) continue;
    if (key === 'lr_scheduler_type' && value === 'constant') settings.schedule = 'constant';
    else settings[setting] = hf?.translate ? hf.translate(value, where) : value;
  }
  // HF's `constant` schedule has no warmup whatever warmup_steps / warmup_ratio say (`constant_with_warmup` has).
  if (layer.lr_scheduler_type === 'constant') settings.warmupSteps = 0;
  return { settings, batch };
}

function positiveInteger(v: unknown, key: string, where: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new UsageError(`${where}: "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * HF's batch arithmetic in our terms: `per_device_train_batch_size` is our microBatch (one rank's forward pass),
 * and an optimizer step holds `microBatch × workers × gradient_accumulation_steps` examples (our globalBatch).
 * `micro` / `global` say which layer last set each size and under which name; HF's accumulation defaults to 1.
 */
export function hfBatchSizes(
  micro: { hf: boolean; value: unknown; where: string } | undefined,
  global: { hf: boolean; value: unknown; where: string } | undefined,
  workers: number,
  microBatch: unknown,
): { microBatch?: number; globalBatch?: number } {
  const out: { microBatch?: number; globalBatch?: number } = {};
  if (micro?.hf) out.microBatch = positiveInteger(micro.value, 'per_device_train_batch_size', micro.where);
  const perPass = Number(out.microBatch ?? microBatch) * workers;
  if (global?.hf) out.globalBatch = perPass * positiveInteger(global.value, 'gradient_accumulation_steps', global.where);
  else if (global === undefined && micro?.hf) out.globalBatch = perPass;
  return out;
}
