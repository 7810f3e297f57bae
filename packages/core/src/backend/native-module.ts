/**
 * `@dft/native` is an optional dependency: a user who installs without optional packages still gets the cpu and
 * wasm backends. It is imported once here; `null` when it is not installed.
 */
type NativeModule = typeof import('@dft/native');

async function importNative(): Promise<NativeModule | null> {
  try {
    return await import('@dft/native');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return null;
    throw e;
  }
}

export const native: NativeModule | null = await importNative();

/** The native package when the active backend runs its fused kernels (RMSNorm, gated activation, AdamW). */
export function fusedKernels(): NativeModule | null {
  return native?.hasFusedKernels() ? native : null;
}
