import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missingSymbols, tensorflowSymbols } from './symbols.js';

/** Builds a shared object from C source with the system compiler. */
function sharedObject(dir: string, name: string, source: string): string {
  const c = join(dir, `${name}.c`);
  const so = join(dir, `${name}.so`);
  writeFileSync(c, source);
  execFileSync('cc', ['-shared', '-fPIC', '-o', so, c]);
  return so;
}

describe('the C API symbol check (nm -D)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dft-tf-symbols-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A stand-in library exporting two C API functions, and a binding that calls three.
  const lib = sharedObject(dir, 'libtf', 'const char* TF_Version(void) { return "x"; }\nvoid* TFE_NewContext(void) { return 0; }\nint helper(void) { return 1; }\n');
  const binding = sharedObject(
    dir,
    'binding',
    'const char* TF_Version(void);\nvoid* TFE_NewContext(void);\nvoid TFE_Execute(void);\nint bind(void) { TFE_Execute(); return TF_Version() != 0 && TFE_NewContext() == 0; }\n',
  );

  it('lists the TF_/TFE_ names a library defines and a binding needs', () => {
    expect([...tensorflowSymbols(lib, 'defined')].sort()).toEqual(['TFE_NewContext', 'TF_Version']);
    expect([...tensorflowSymbols(binding, 'undefined')].sort()).toEqual(['TFE_Execute', 'TFE_NewContext', 'TF_Version']);
  });

  it('names the functions the binding calls that the library lacks', () => {
    expect(missingSymbols(binding, [lib])).toEqual(['TFE_Execute']);
    expect(missingSymbols(lib, [lib])).toEqual([]);
  });

  it('names a file nm cannot read', () => {
    expect(() => tensorflowSymbols(join(dir, 'libtf.c'), 'defined')).toThrow(`nm -D ${join(dir, 'libtf.c')} failed`);
  });
});
