import { generate, selectBackend, type BackendName } from '@dft/core';
import { loadModel, MODEL_HELP, REVISION_OPTION } from '../load-model.js';
import { fitPrompts, type TruncateSide } from './fit-prompts.js';
import { BACKEND_OPTION, numberOpt, stringOpt, UsageError, type Command } from '../command.js';

export const generateCommand: Command = {
  name: 'generate',
  summary: 'generate text from a prompt with a model directory (greedy or sampled, KV cache)',
  usage: 'dft generate --model <dir> --prompt <text> [--max-new-tokens N] [--temperature T] [--top-p P] [--stop S]',
  options: {
    model: { type: 'string', description: MODEL_HELP },
    revision: REVISION_OPTION,
    prompt: { type: 'string', description: 'prompt text (repeat for a batch)', multiple: true },
    'max-new-tokens': { type: 'string', description: 'most new tokens (default 64)', deprecatedNames: ['max-tokens'] },
    temperature: { type: 'string', description: '0 = greedy (default); > 0 samples' },
    'top-p': { type: 'string', description: 'nucleus sampling mass (default 1)' },
    'top-k': { type: 'string', description: 'keep the k most likely tokens (default 0 = all)' },
    seed: { type: 'string', description: 'sampling seed (default 0)' },
    truncate: { type: 'string', description: 'a prompt too long for the context: none = refuse (default) | left = drop its oldest tokens', choices: ['none', 'left'] },
    stop: { type: 'string', description: 'stop string (repeatable), e.g. "\\n"', multiple: true },
    json: { type: 'boolean', description: 'print one JSON array of {prompt, text, tokens, finishReason}' },
    backend: BACKEND_OPTION,
  },
  longInputs:
    "a prompt whose tokens plus --max-new-tokens exceed the model's max_position_embeddings is refused, naming the limit; --truncate left drops its oldest tokens instead, with a warning.",
  examples: [
    'dft generate --model fixtures/models/tiny-llama --prompt "Once upon a time" --max-new-tokens 20',
    'dft generate --model out/final --prompt "三原色是什么？" --temperature 0.7 --top-p 0.9 --seed 1 --json',
  ],
  async run(values) {
    const dir = stringOpt(values, 'model', true);
    const prompts = (values.prompt as string[] | undefined) ?? [];
    if (prompts.length === 0) throw new UsageError('--prompt is required');
    const truncate = (stringOpt(values, 'truncate') ?? 'none') as TruncateSide;
    // Options are read before the model is loaded, so a usage error costs no load.
    const options = {
      maxNewTokens: numberOpt(values, 'max-new-tokens', { integer: true, min: 1 }) ?? 64,
      temperature: numberOpt(values, 'temperature', { min: 0 }) ?? 0,
      topP: numberOpt(values, 'top-p', { above: 0, max: 1 }) ?? 1,
      topK: numberOpt(values, 'top-k', { integer: true, min: 0 }) ?? 0,
      seed: numberOpt(values, 'seed', { integer: true, min: 0 }) ?? 0,
      stop: ((values.stop as string[] | undefined) ?? []).map((s) => s.replace(/\\n/g, '\n').replace(/\\t/g, '\t')),
    };
    await selectBackend({ prefer: stringOpt(values, 'backend') as BackendName | undefined });
    const { model, tokenizer } = loadModel(dir, { revision: stringOpt(values, 'revision') });
    let result: ReturnType<typeof generate>;
    try {
      if (!tokenizer) throw new Error(`${dir} has no tokenizer.json: generate needs one to encode the prompt`);
      const fit = { limit: model.config.maxPositionEmbeddings, maxNewTokens: options.maxNewTokens, truncate, model: dir };
      const ids = fitPrompts(prompts.map((p) => tokenizer.encode(p)), fit, (l) => process.stderr.write(`${l}\n`));
      result = generate(model, ids, { ...options, tokenizer });
    } finally {
      model.dispose();
    }
    if (values.json) {
      const rows = prompts.map((p, i) => ({ prompt: p, text: result.texts![i], tokens: result.tokens[i], finishReason: result.finishReasons[i] }));
      process.stdout.write(JSON.stringify(rows) + '\n');
    } else {
      for (const text of result.texts!) process.stdout.write(text + '\n');
    }
    return 0;
  },
};
