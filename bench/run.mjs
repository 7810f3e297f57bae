// `pnpm bench`: runs every benchmark script (or those named: `pnpm bench core data`), each printing its table and
// writing bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ALL = ['core', 'native', 'parallel', 'mpi-allreduce', 'data', 'eval', 'layers', 'report', 'memory', 'loading', 'zero'];
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
let failed = 0;
for (const name of wanted) {
  const script = join(here, `${name}.mjs`);
  if (!existsSync(script)) {
    console.error(`bench: unknown benchmark "${name}" (known: ${ALL.join(', ')})`);
    failed++;
    continue;
  }
  console.log(`\n=== bench ${name} ===`);
  const r = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
