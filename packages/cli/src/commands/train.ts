import { TrainingJob, WorldOfOne, type SettingName, type TrainingConfig } from '@dft/core';
import { resultsMarkdown, type ResultRow } from '@dft/eval';
import { isMpiLaunch } from '@dft/mpi';
import { claimOutDir } from '../out-dir/claim-out-dir.js';
import { BACKEND_OPTION, stringOpt, UsageError, type Command, type OptionSpec } from '../command.js';
import { readConfigFile, resolveConfig } from '../train/config.js';
import { autoLayers, evaluateTasks } from '../train/eval-hooks.js';
import { settingForHfName } from '../train/hf-training-args.js';
import { launchMpirun, trainArgs } from '../train/mpirun-launch.js';
import { joinMpiWorld, pinGpu } from '../train/mpi-world.js';
import { Progress, progressCallbacks, SilentProgress } from '../train/progress.js';
import { modelDirectory } from '../load-model.js';

/** Flags that override config settings: kebab-case flag → camelCase setting. */
const OVERRIDES: Record<string, string> = {
  model: 'Hugging Face model directory to start from (config.json alone = seeded random init), or a Hub id (org/name) in the local HF cache',
  revision: 'Hub revision of --model: a branch, tag or commit hash in the local HF cache (default main)',
  data: 'prepared data folder / train .arrow file, or raw source files to prepare (comma-separated)',
  method: 'sft | tft | dft-logits | dft-feature',
  'lc-layer': 'Language Conversion layer i (HF hidden-state index)',
  'et-layer': 'English Thinking layer j',
  'lambda-lc': 'weight of L_LC (default 1)',
  'lambda-et': 'weight of L_ET (default 1)',
  pool: 'feature pooling: mean (query span) | last',
  'detach-teacher': 'true | false: English branch as a fixed target (default true)',
  'loss-chunk-tokens': "tokens per chunk of the LM-head losses (0 = full logits; default: chunks of 2^24 / vocabulary tokens when a pass's logits would exceed 2^24 values)",
  'gradient-checkpointing': 'true | false: recompute each decoder layer in the backward pass instead of keeping its activations (less memory, one more forward; default false)',
  lr: 'peak learning rate (default 2e-5)',
  epochs: 'epochs (default 3)',
  'global-batch': 'examples per optimizer step, all ranks together: micro-batch × workers × accumulation steps (default 128)',
  'micro-batch': 'examples per forward pass of one rank (HF per_device_train_batch_size; default 8)',
  schedule: 'cosine | linear | constant',
  'warmup-ratio': 'fraction of steps of linear warmup (default 0.03)',
  'warmup-steps': 'steps of linear warmup (wins over --warmup-ratio)',
  'weight-decay': 'AdamW decoupled weight decay (default 0)',
  'adam-beta1': 'AdamW beta1 (default 0.9)',
  'adam-beta2': 'AdamW beta2 (default 0.999)',
  'adam-epsilon': 'AdamW epsilon (default 1e-8)',
  'max-grad-norm': 'global-norm clipping (default 1; 0 = off)',
  'max-length': 'max tokens per sequence when preparing raw data (default 512)',
  languages: 'languages to keep when preparing raw parallel data (comma-separated; default all)',
  'max-steps': 'stop after this many optimizer steps',
  seed: 'seed of initialisation and data order (default 42)',
  out: 'output directory (checkpoints, log.jsonl, report.html, results)',
  'save-every': 'checkpoint every N steps (default: only at the end)',
  'keep-last': 'checkpoints to keep (default 2)',
  'resume-from': 'a checkpoint directory, or "latest" (the newest under --out)',
  freeze: 'comma-separated HF-name patterns of frozen parameters (e.g. "model.embed_tokens.*"; "" clears the config\'s list)',
  'eval-every': 'evaluate --eval-tasks every N steps (with --eval-limit)',
  'eval-steps': 'validation loss (validation.arrow beside the train split) every N steps (default: only at the end)',
  'eval-max-examples': 'validation rows evaluated, the first N in file order (default: all)',
  'report-to': 'tensorboard: also write TensorBoard event files under --out/tensorboard (none: only log.jsonl)',
  'eval-tasks': 'tasks evaluated during training, e.g. xcopa:zh ("" clears the config\'s list)',
  'eval-limit': 'examples per task for --eval-every (default 50)',
  'final-eval-tasks': 'tasks evaluated after training, e.g. xcopa:zh,xquad:zh ("" clears the config\'s list)',
  'final-eval-limit': 'examples per task for the final evaluation',
  'eval-data-dir': 'folder with the evaluation sets (default ../shared/data/eval)',
  dtype: "stored dtype of checkpoints: float32 | float16 | bfloat16 (default: the model's own)",
  preset: 'a named recipe: paper (lr 2e-5, 3 epochs, batch 128, cosine, 3% warmup, wd 0, max length 512)',
  workers: 'data-parallel ranks on this host (default 1): starts mpirun -np N; under mpirun/srun the MPI world size',
  'zero-stage': 'with several ranks: 0 (default) | 1 shards the AdamW moments over the ranks | 2 also reduce-scatters the gradients',
};

const camel = (k: string) => k.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The job's messages name the flag of a setting (`--resume-from latest`, `--overwrite`), not its config field. */
const flagName: SettingName = (key, value) => `--${kebab(key)}${value === undefined || value === true ? '' : ` ${value}`}`;

/** List settings: an empty flag value (`--final-eval-tasks ""`) clears the list a config file set. */
const LIST_FLAGS = new Set(['eval-tasks', 'final-eval-tasks', 'freeze', 'languages']);

/** `--learning_rate` (an HF TrainingArguments name) → the flag that sets the same thing here. */
function hfFlagHint(flag: string): string | undefined {
  const name = flag.replace(/-/g, '_');
  const setting = settingForHfName(name);
  if (setting === undefined) return undefined;
  if (name === 'per_device_train_batch_size') return 'HF\'s per_device_train_batch_size is --micro-batch here';
  if (name === 'gradient_accumulation_steps') return 'HF\'s gradient_accumulation_steps × --micro-batch × --workers is --global-batch here';
  return `HF's ${name} is --${kebab(setting)} here; config files accept "${name}" too`;
}

/**
 * The run configuration from `--config` and the setting flags (defaults ← preset ← file ← flags); `base` settings
 * sit under the file (`dft plan` gives placeholders for the data and output it does not need).
 */
export function trainConfigFrom(values: Record<string, unknown>, base?: Record<string, unknown>): TrainingConfig {
  const layers: Record<string, unknown>[] = base ? [base] : [];
  const names: string[] = base ? ['defaults'] : [];
  const file = stringOpt(values, 'config');
  if (file) {
    layers.push(readConfigFile(file));
    names.push(file);
  }
  const flags: Record<string, unknown> = {};
  for (const k of [...Object.keys(OVERRIDES), 'backend']) {
    if (values[k] === '' && LIST_FLAGS.has(k)) flags[camel(k)] = [];
    const v = stringOpt(values, k);
    if (v === undefined) continue;
    flags[camel(k)] = k === 'data' && v.includes(',') ? v.split(',') : v;
  }
  if (values.overwrite) flags.overwrite = true;
  if (values['allow-config-change']) flags.allowConfigChange = true;
  layers.push(flags);
  names.push('command line');
  return resolveConfig(layers, names);
}

/** The setting flags of `dft train` (and `dft plan`), as command options. */
export const SETTING_OPTIONS: Record<string, OptionSpec> = {
  config: { type: 'string', description: 'JSON or YAML run configuration (paths relative to the file)' },
  ...Object.fromEntries(Object.entries(OVERRIDES).map(([k, d]) => [k, { type: 'string', description: d } as OptionSpec])),
  backend: BACKEND_OPTION,
};

export const trainCommand: Command = {
  name: 'train',
  summary: 'fine-tune with SFT, TFT or Deep Supervision Fine-Tuning (dft-logits, dft-feature)',
  usage: 'dft train --config cfg.{json,yaml} [--<setting> value ...]',
  options: {
    ...SETTING_OPTIONS,
    'print-config': { type: 'boolean', description: 'print the resolved configuration (defaults ← preset ← file ← flags) as JSON and exit' },
    overwrite: { type: 'boolean', description: 'start afresh in an --out that holds checkpoints of an earlier run (deletes them)' },
    'allow-config-change': { type: 'boolean', description: 'with --resume-from: continue although method, layers, lambdas, pool, data, seed, max length or global batch differ from the checkpoint' },
  },
  longInputs:
    "raw data is prepared with max length (see dft prepare: long responses are cut, over-long prompts dropped); prepared data whose max length exceeds the model's max_position_embeddings is refused.",
  examples: [
    'dft train --config examples/dft-zh.json',
    'dft train --config examples/dft-zh.json --method tft --out runs/tft',
    'dft train --model models/llama2-7b --data data/en-zh --method dft-logits --lc-layer 2 --et-layer 15 --preset paper --out runs/paper',
    'dft train --config examples/dft-zh.json --resume-from latest',
    'dft train --config examples/dft-zh.json --preset paper --max-steps 100 --print-config',
    'dft train --config examples/dft-zh.json --workers 2',
    'mpirun -np 8 --hostfile hosts dft train --config examples/dft-zh.json',
  ],
  unknownFlagHint: hfFlagHint,
  async run(values) {
    let config = trainConfigFrom(values);
    if (values['print-config']) {
      process.stdout.write(JSON.stringify(config, null, 2) + '\n');
      return 0;
    }
    const progress = new Progress(0);
    // --workers N outside an MPI job: start one with N ranks of this very command.
    if (!isMpiLaunch() && config.workers > 1) return launchMpirun(config.workers, trainArgs(values), config.out, progress);
    // Under mpirun / srun every rank runs this command; the MPI world says how many there are.
    const world = isMpiLaunch() ? joinMpiWorld() : null;
    if (world) {
      const n = world.comm.worldSize;
      if (config.workers !== 1 && config.workers !== n) throw new UsageError(`--workers ${config.workers}, but the MPI launcher started ${n} ranks: leave --workers out under mpirun/srun`);
      config = trainConfigFrom({ ...values, workers: String(n) });
      pinGpu(config, world);
    }
    const comm = world?.comm ?? new WorldOfOne();
    const rank0 = comm.rank === 0;
    const shown = rank0 ? progress : new SilentProgress(0);
    if (world) shown.message(`dft train: ${comm.worldSize} MPI ranks, rank 0 on ${world.host} (${world.library})`);
    // A Hub id becomes its cached snapshot folder here, before anything reads the model or claims --out.
    const job = new TrainingJob<ResultRow>(
      { ...config, model: modelDirectory(config.model, config.revision) },
      { comm, evaluate: evaluateTasks, resolveAutoLayers: autoLayers, settingName: flagName, ...progressCallbacks(shown) },
    );
    // Raw sources are prepared into <out>/data, so its temporary files are a run's leftovers too. Rank 0 owns --out.
    const lock = rank0 ? claimOutDir(config.out, 'train', (l) => progress.message(l), ['data']) : null;
    let r;
    try {
      r = await job.train();
    } catch (e) {
      // Name the rank: the launcher stops every rank after the first that fails.
      if (world) throw new Error(`${world.name} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      throw e;
    } finally {
      lock?.release();
    }
    if (!rank0) return 0;
    const lines = [
      r.stoppedBy === 'signal' ? `stopped by signal after step ${r.steps}; saved` : `finished ${r.steps} steps`,
      `checkpoint: ${r.checkpoint}`,
      `log:        ${r.log}`,
      `report:     ${r.report}`,
      ...(r.results ? [`results:    ${r.results.json}`, `            ${r.results.markdown}`, `            ${r.results.harness}`] : []),
    ];
    for (const l of lines) progress.message(l);
    if (r.resultRows.length) progress.table(resultsMarkdown(r.resultRows), r.resultRows);
    return 0;
  },
};
