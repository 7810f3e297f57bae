import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { isFloatDtype } from './dtypes.js';
import { f32FromBits } from './float-bits.js';
import { SafetensorsFile } from './safetensors-file.js';
import { expectSameElements } from './test-utils/arrays.js';
import { FIXTURE_MODELS, tempDir } from './test-utils/files.js';
import { planShards, writeCheckpoint } from './write-checkpoint.js';
import { writeSafetensors, type TensorToWrite } from './writer.js';

/** Every tensor of an open checkpoint as writer input, in the stored dtype. */
function tensorsOf(ckpt: Checkpoint): TensorToWrite[] {
  return ckpt.names.map((name) => {
    const { dtype, shape } = ckpt.info(name);
    if (!isFloatDtype(dtype)) throw new Error(`unexpected dtype ${dtype}`);
    return { name, shape, dtype, data: ckpt.read(name) };
  });
}

function headerText(file: string): string {
  const bytes = fs.readFileSync(file);
  return bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8');
}

const bitsOf = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe('writeSafetensors', () => {
  for (const model of ['tiny-llama', 'tiny-gemma2']) {
    it(`re-writing the ${model} fixture gives a byte-identical file`, () => {
      const original = path.join(FIXTURE_MODELS, model, 'model.safetensors');
      const ckpt = openCheckpoint(original);
      const tensors = tensorsOf(ckpt).reverse(); // input order must not matter
      ckpt.close();
      const dir = tempDir();
      writeSafetensors(path.join(dir, 'copy.safetensors'), tensors);
      expect(fs.readFileSync(path.join(dir, 'copy.safetensors')).equals(fs.readFileSync(original))).toBe(true);
      const written = writeCheckpoint(path.join(dir, 'ckpt'), tensors);
      expect(written).toEqual({ files: [path.join(dir, 'ckpt', 'model.safetensors')], indexFile: undefined, totalSize: fs.statSync(original).size - 8 - headerText(original).length });
      expect(fs.readFileSync(written.files[0]!).equals(fs.readFileSync(original))).toBe(true);
      expect(fs.readdirSync(dir).sort()).toEqual(['ckpt', 'copy.safetensors']); // no temporary files left
    });
  }

  it('writes the HF header layout: metadata first, names in code-point order, 8-byte padding with spaces', () => {
    const file = path.join(tempDir(), 'h.safetensors');
    const t = (name: string, shape: number[]): TensorToWrite => ({ name, shape, dtype: 'F16', data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    // '0' is integer-like (a JS object would move it first); U+1F600 sorts after U+FFFD by code point, not by UTF-16.
    writeSafetensors(file, [t('b', [1]), t('\u{1F600}', []), t('\uFFFD', [0]), t('0', [2, 1])], { note: 'n' });
    const expected =
      '{"__metadata__":{"format":"pt","note":"n"},' +
      '"0":{"dtype":"F16","shape":[2,1],"data_offsets":[0,4]},' +
      '"b":{"dtype":"F16","shape":[1],"data_offsets":[4,6]},' +
      '"\uFFFD":{"dtype":"F16","shape":[0],"data_offsets":[6,6]},' +
      '"\u{1F600}":{"dtype":"F16","shape":[],"data_offsets":[6,8]}}';
    const bytes = fs.readFileSync(file);
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const padding = n - Buffer.byteLength(expected);
    expect(padding).toBeGreaterThanOrEqual(0);
    expect(padding).toBeLessThan(8);
    expect(bytes.subarray(8, 8 + n).toString('utf8')).toBe(expected + ' '.repeat(padding));
    expect(bytes.length).toBe(8 + n + 8);
  });

  it('F32 round-trips bit for bit; F16/BF16 store the round-to-nearest-even values', () => {
    const special = new Float32Array(new Uint32Array([0x7fa00001, 0xffc00000, 0x80000000, 0x00000001, 0x7f7fffff, 0xff800000, 0x3eaaaaab]).buffer);
    const tiny = -(1 + 2 ** -7 + 2 ** -9) * 2 ** -100;
    const values = Float32Array.from([1 + 2 ** -8, 1 + 3 * 2 ** -8, 65519.99609375, 65519, 2 ** -25, 3 * 2 ** -25, tiny, 0.1]);
    const file = path.join(tempDir(), 'r.safetensors');
    writeSafetensors(file, [
      { name: 'f32', shape: [7], dtype: 'F32', data: special },
      { name: 'f16', shape: [2, 4], dtype: 'F16', data: values },
      { name: 'bf16', shape: [8], dtype: 'BF16', data: values },
    ]);
    const st = SafetensorsFile.open(file);
    expectSameElements(bitsOf(st.read('f32')), bitsOf(special), 'f32 bits');
    // f16: 1+2^-8 and 1+3·2^-8 are exact; 65519.996 (the last value below the overflow tie) and 65519 → 65504; 2^-25 ties to 0, 3·2^-25 ties to 2·2^-24;
    // the tiny negative underflows to -0; 0.1 (f32 0x3dcccccd) → f16 0x2e66 = 0.0999755859375.
    const f16 = Array.from(st.read('f16'));
    expect(f16).toEqual([1 + 2 ** -8, 1 + 3 * 2 ** -8, 65504, 65504, 0, 2 ** -23, -0, 0.0999755859375]);
    expect(Object.is(f16[6], -0)).toBe(true);
    // bf16 (7 fraction bits): 1+2^-8 ties down to 1, 1+3·2^-8 ties up to 1+2^-6; 65519 and 65519.996 → 65536;
    // 2^-25 and 3·2^-25 are exact; the 2^-9 part of the tiny value is under half an ulp; 0.1 → 0x3dcd.
    expect(Array.from(st.read('bf16'))).toEqual([1, 1 + 2 ** -6, 65536, 65536, 2 ** -25, 3 * 2 ** -25, -(1 + 2 ** -7) * 2 ** -100, f32FromBits(0x3dcd0000)]);
    st.close();
  });

  it('streams a tensor larger than the encoding chunk', () => {
    const n = 9 * 2 ** 20 + 1;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (i % 1000) - 500.25;
    const file = path.join(tempDir(), 'big.safetensors');
    writeSafetensors(file, [{ name: 'x', shape: [n], dtype: 'BF16', data }]);
    const st = SafetensorsFile.open(file);
    const back = st.read('x');
    st.close();
    expect(fs.statSync(file).size).toBe(8 + headerText(file).length + 2 * n);
    // bf16 keeps 8 significant bits. Hand-rounded: -500.25 → -500 (step 2), -1.25 exact, 498.75 → 498, 249.75 → 250;
    // around the 8 Mi-element chunk boundary 106.75 and 107.75 are ties (step 0.5) going to the even 107 and 108.
    expect([back[0], back[499], back[999], back[750], back[8388607], back[8388608]]).toEqual([-500, -1.25, 498, 250, 107, 108]);
    // The input repeats every 1000 elements, so the output must too, across every chunk.
    for (let i = 1000; i < n; i++) if (back[i] !== back[i % 1000]) expect(back[i], `element ${i}`).toBe(back[i % 1000]);
  });
});

describe('writeSafetensors: values beyond a 16-bit range', () => {
  it('refuses a finite value that would become Infinity, naming the tensor and element; writes nothing', () => {
    const dir = tempDir();
    const file = path.join(dir, 'w.safetensors');
    const data = Float32Array.from([1, -2, 65519, 70000]);
    expect(() => writeSafetensors(file, [{ name: 'layers.0.w', shape: [4], dtype: 'F16', data }])).toThrow(
      /tensor "layers\.0\.w": value 70000 at element 3 is beyond the range of F16 .*--dtype float32/,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
    // bf16 shares float32's exponent range: only values rounding past its largest finite (≈ 3.39e38) overflow.
    const big = Float32Array.from([1e30, -3.39e38, 3.4e38]);
    expect(() => writeSafetensors(file, [{ name: 'b', shape: [3], dtype: 'BF16', data: big }])).toThrow(/tensor "b": value .* at element 2 is beyond the range of BF16/);
    // Infinity and NaN that are already there are stored as they are (the values, not the conversion, are at fault).
    writeSafetensors(file, [{ name: 'x', shape: [3], dtype: 'F16', data: Float32Array.from([Infinity, NaN, 65504]) }]);
    const st = SafetensorsFile.open(file);
    const back = Array.from(st.read('x'));
    st.close();
    expect(back[0]).toBe(Infinity);
    expect(back[1]).toBeNaN();
    expect(back[2]).toBe(65504);
  });
});

describe('sharding', () => {
  const sized = (name: string, bytes: number): TensorToWrite => ({ name, shape: [bytes / 4], dtype: 'F32', data: new Float32Array(bytes / 4) });

  it('plans shards as huggingface_hub does: in order, new shard when the next tensor would pass the limit, oversized alone', () => {
    const plan = planShards([sized('a', 40), sized('b', 40), sized('c', 24), sized('big', 200), sized('d', 4), sized('e', 100), sized('f', 100)], 100);
    expect(plan.map((s) => s.map((t) => t.name))).toEqual([['a', 'b'], ['big'], ['c', 'd'], ['e'], ['f']]);
  });

  it('writes model-0000i-of-0000n shards and an HF index; it loads back bit-exactly', () => {
    const original = openCheckpoint(path.join(FIXTURE_MODELS, 'tiny-llama'));
    const tensors = tensorsOf(original);
    const dir = tempDir();
    const written = writeCheckpoint(dir, tensors, { maxShardBytes: 5_000_000 });
    // lm_head (4,096,000 bytes) fills shard 1; embed_tokens would pass 5 MB with it, so it opens shard 2 with the rest.
    expect(written.files).toEqual([path.join(dir, 'model-00001-of-00002.safetensors'), path.join(dir, 'model-00002-of-00002.safetensors')]);
    expect(written.totalSize).toBe(8_464_768);
    expect(fs.readdirSync(dir).sort()).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json']);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'model.safetensors.index.json'), 'utf8'));
    expect(index.metadata).toEqual({ total_size: 8_464_768 });
    expect(Object.keys(index.weight_map)).toEqual(original.names);
    expect(index.weight_map['lm_head.weight']).toBe('model-00001-of-00002.safetensors');
    expect(new Set(Object.entries(index.weight_map).filter(([k]) => k !== 'lm_head.weight').map(([, v]) => v))).toEqual(new Set(['model-00002-of-00002.safetensors']));
    const back = openCheckpoint(dir);
    expect(back.names).toEqual(original.names);
    expect(back.metadata).toEqual({ format: 'pt' });
    for (const name of original.names) {
      expect(back.info(name).dtype).toBe('F16');
      expectSameElements(back.readRaw(name), original.readRaw(name), name);
    }
    expect(back.info('lm_head.weight').file).toBe(written.files[0]);
    expect(back.files).toEqual(written.files);
    back.close();
    original.close();
  });

  it('formats the index like transformers (sorted keys, indent 2, trailing newline)', () => {
    const dir = tempDir();
    writeCheckpoint(dir, [sized('z', 8), sized('a', 8), sized('m', 8)], { maxShardBytes: 16 });
    expect(fs.readFileSync(path.join(dir, 'model.safetensors.index.json'), 'utf8')).toBe(
      '{\n  "metadata": {\n    "total_size": 24\n  },\n  "weight_map": {\n' +
        '    "a": "model-00001-of-00002.safetensors",\n    "m": "model-00002-of-00002.safetensors",\n    "z": "model-00001-of-00002.safetensors"\n' +
        '  }\n}\n',
    );
    expect(headerText(path.join(dir, 'model-00001-of-00002.safetensors')).trimEnd()).toBe(
      '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"z":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}',
    );
  });

  it('removes the weight files of an earlier save of the other layout, and nothing else', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), '{}');
    fs.writeFileSync(path.join(dir, 'model-00007-of-00009.safetensors'), 'stale');
    writeCheckpoint(dir, [sized('a', 8), sized('b', 8)], { maxShardBytes: 8 });
    expect(fs.readdirSync(dir).sort()).toEqual(['config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json']);
    const data = Float32Array.of(1, 2);
    writeCheckpoint(dir, [{ name: 'a', shape: [2], dtype: 'F32', data }]); // no limit: one file, the stale index must go
    expect(fs.readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors']);
    const ckpt = openCheckpoint(dir);
    expect(Array.from(ckpt.read('a'))).toEqual([1, 2]);
    ckpt.close();
    // A limit that everything fits under also gives a single file.
    expect(writeCheckpoint(dir, [sized('a', 8)], { maxShardBytes: 1000 }).indexFile).toBeUndefined();
    expect(() => writeCheckpoint(dir, [], { maxShardBytes: 0 })).toThrow('maxShardBytes must be a positive integer, got 0');
  });
});
