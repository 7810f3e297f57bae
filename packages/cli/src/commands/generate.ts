import { generate, selectBackend, type BackendName, type GenerateOptions } from '@dft/core';
import { loadModel, MODEL_OPTIONS } from '../load-model.js';
import { fitPrompts, type TruncateSide } from './fit-prompts.js';
import { BACKEND_OPTION, type Command, numberOpt, stringOpt, switchOption, UsageError, valueOption } from '../command.js';
import { readGenerationConfig, type GenerationDefaults } from '../generate/generation-config.js';
import { formatPrompt, promptFormat } from '../generate/prompt-format.js';

/** Decoding flags as given (undefined = not given, so generation_config.json decides). */
interface DecodingFlags {
  maxNewTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  repetitionPenalty?: number;
}

/**
 * Flags over the model's generation_config.json over transformers' defaults. `do_sample` picks greedy or sampling
 * unless `--temperature` says (0 = greedy); sampling keeps HF's top_k 50 unless a flag or the file says otherwise;
 * without max_new_tokens, HF's max_length counts the prompt in.
 */
export function decodingOptions(flags: DecodingFlags, file: GenerationDefaults, longestPrompt: number): GenerateOptions {
  const sample = flags.temperature !== undefined ? flags.temperature > 0 : file.doSample === true;
  return {
    temperature: sample ? (flags.temperature ?? file.temperature ?? 1) : 0,
    topP: flags.topP ?? file.topP ?? 1,
    topK: flags.topK ?? file.topK ?? 50,
    repetitionPenalty: flags.repetitionPenalty ?? file.repetitionPenalty ?? 1,
    maxNewTokens: flags.maxNewTokens ?? file.maxNewTokens ?? (file.maxLength !== undefined ? Math.max(0, file.maxLength - longestPrompt) : 64),
    ...(file.eosTokenIds ? { eosTokenIds: file.eosTokenIds } : {}),
  };
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'generate text from a prompt, formatted as the model was trained (Alpaca for dft train checkpoints, chat template, or --raw)',
  usage: 'dft generate --model <dir> --prompt <text> [--raw] [--max-new-tokens N] [--temperature T] [--top-p P] [--top-k K] [--repetition-penalty R] [--stop S]',
  options: {
    ...MODEL_OPTIONS,
    prompt: valueOption('the instruction / user message (repeat for a batch)', { multiple: true }),
    raw: switchOption('give the prompt as it is, without the Alpaca template or the chat template'),
    'max-new-tokens': valueOption('most new tokens (default: generation_config.json, else 64)', { deprecatedNames: ['max-tokens'] }),
    temperature: valueOption('0 = greedy, > 0 samples (default: generation_config.json do_sample/temperature, else greedy)'),
    'top-p': valueOption('nucleus sampling mass (default: generation_config.json, else 1)'),
    'top-k': valueOption('keep the k most likely tokens, 0 = all (default: generation_config.json, else 50 as transformers)'),
    'repetition-penalty': valueOption('> 1 discourages repeating tokens (default: generation_config.json, else 1)'),
    seed: valueOption('sampling seed (default 0)'),
    truncate: valueOption('a prompt too long for the context: none = refuse (default) | left = drop its oldest tokens (a leading BOS stays)', { choices: ['none', 'left'] }),
    stop: valueOption('stop string (repeatable), e.g. "\\n"', { multiple: true }),
    json: switchOption('print one JSON array of {prompt, format, input, inputTokens, text, tokens, finishReason}'),
    backend: BACKEND_OPTION,
  },
  longInputs:
    "a prompt whose tokens plus --max-new-tokens exceed the model's max_position_embeddings is refused, naming the limit; --truncate left drops its oldest tokens instead (keeping a leading BOS, as HF's truncation_side=\"left\"), with a warning.",
  examples: [
    'dft generate --model runs/paper/step-001218 --prompt "三原色是什么？"',
    'dft generate --model fixtures/models/tiny-llama --prompt "Once upon a time" --max-new-tokens 20',
    'dft generate --model out/final --prompt "三原色是什么？" --temperature 0.7 --top-p 0.9 --seed 1 --json',
  ],
  async run(values) {
    const dir = stringOpt(values, 'model', true);
    const prompts = (values.prompt as string[] | undefined) ?? [];
    if (prompts.length === 0) throw new UsageError('--prompt is required');
    const truncate = (stringOpt(values, 'truncate') ?? 'none') as TruncateSide;
    // Options are read before the model is loaded, so a usage error costs no load.
    const flags: DecodingFlags = {
      maxNewTokens: numberOpt(values, 'max-new-tokens', { integer: true, min: 1 }),
      temperature: numberOpt(values, 'temperature', { min: 0 }),
      topP: numberOpt(values, 'top-p', { above: 0, max: 1 }),
      topK: numberOpt(values, 'top-k', { integer: true, min: 0 }),
      repetitionPenalty: numberOpt(values, 'repetition-penalty', { above: 0 }),
    };
    const seed = numberOpt(values, 'seed', { integer: true, min: 0 }) ?? 0;
    const stop = ((values.stop as string[] | undefined) ?? []).map((s) => s.replace(/\\n/g, '\n').replace(/\\t/g, '\t'));
    await selectBackend({ prefer: stringOpt(values, 'backend') as BackendName | undefined });
    // `folder`: where --model (a directory or a Hub id) resolved to, whose tokenizer and generation configs apply.
    const { model, tokenizer, dir: folder } = loadModel(dir, { revision: stringOpt(values, 'revision') });
    let result: ReturnType<typeof generate>;
    let inputs: Awaited<ReturnType<typeof formatPrompt>>[];
    let format: ReturnType<typeof promptFormat>;
    let fed: number[][];
    try {
      if (!tokenizer) throw new Error(`${dir} has no tokenizer.json: generate needs one to encode the prompt`);
      format = promptFormat(folder, Boolean(values.raw));
      inputs = await Promise.all(prompts.map((p) => formatPrompt(format, tokenizer, p)));
      const options = decodingOptions(flags, readGenerationConfig(folder), Math.max(...inputs.map((x) => x.ids.length)));
      const fit = { limit: model.config.maxPositionEmbeddings, maxNewTokens: options.maxNewTokens!, truncate, model: dir, bosId: tokenizer.special.bosId };
      fed = fitPrompts(inputs.map((x) => x.ids), fit, (l) => process.stderr.write(`${l}\n`));
      result = generate(model, fed, { ...options, seed, stop, tokenizer });
    } finally {
      model.dispose();
    }
    if (values.json) {
      const rows = prompts.map((p, i) => ({
        prompt: p,
        format: format.kind,
        input: inputs[i].text,
        inputTokens: fed[i],
        text: result.texts![i],
        tokens: result.tokens[i],
        finishReason: result.finishReasons[i],
      }));
      process.stdout.write(JSON.stringify(rows) + '\n');
    } else {
      if (format.kind !== 'raw') process.stderr.write(`generate: prompts in the ${format.kind} format of ${format.source} (--raw for none)\n`);
      for (const text of result.texts!) process.stdout.write(text + '\n');
    }
    return 0;
  },
};
