// `pnpm setup:tensorflow --wheel <tensorflow or tensorflow_cpu wheel> [--gpu]`: builds the `tensorflow` backend
// (@tensorflow/tfjs-node, or -gpu) from source against the TensorFlow C library inside a Python wheel, into a cache
// outside node_modules, and smoke-tests it. The work is in @dft/core (built first by the package script).
import { parseArgs } from 'node:util';

const USAGE = `usage: pnpm setup:tensorflow --wheel <tensorflow or tensorflow_cpu wheel> [--gpu]

Unpacks libtensorflow from the wheel into ~/.cache/dft/libtensorflow (DFT_CACHE_DIR overrides), builds
@tensorflow/tfjs-node (--gpu: @tensorflow/tfjs-node-gpu, from the CUDA "tensorflow" wheel) from source against it and
runs a smoke test. Then \`--backend tensorflow\` (or DFT_BACKEND=tensorflow) uses it. Running it again reuses what is built.`;

let values;
try {
  ({ values } = parseArgs({ options: { wheel: { type: 'string' }, gpu: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
} catch (e) {
  console.error(`setup:tensorflow: ${e.message}\n\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!values.wheel) {
  console.error(`setup:tensorflow: --wheel is required (a tensorflow or tensorflow_cpu wheel for this machine)\n\n${USAGE}`);
  process.exit(2);
}
const { setupTensorflow } = await import('../packages/core/dist/backend/tensorflow/setup.js');
try {
  const r = await setupTensorflow({ wheel: values.wheel, gpu: values.gpu, log: (line) => console.log(`setup:tensorflow: ${line}`) });
  console.log(`setup:tensorflow: ${r.pkg} ready in ${r.dir}`);
} catch (e) {
  console.error(`setup:tensorflow: ${e.message}`);
  process.exit(1);
}
