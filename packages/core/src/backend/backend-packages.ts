/**
 * Backends shipped as packages of their own (today `@dft/native`) are optional dependencies, imported by name at
 * run time: a user who installs without optional packages still gets the cpu and wasm backends, and no library
 * code depends on a backend package. A backend package registers a tfjs backend and kernels under the names of
 * @dft/ops' fused ops; the ops find them through tfjs's kernel registry.
 */
export const BACKEND_PACKAGES = { native: '@dft/native' } as const;
export type PackagedBackend = keyof typeof BACKEND_PACKAGES;

/** Whether a backend can run here, and why not. */
export interface BackendPackageStatus {
  available: boolean;
  /** Why not, when it is not (one line, suitable for a log). */
  reason?: string;
  /** What runs, for the log line of the selected backend (e.g. the package and its BLAS). */
  description?: string;
}

/** What backend selection calls in a backend package. */
export interface BackendPackage {
  /** Registers the tfjs backend and its kernels (idempotent); never throws for a backend that cannot run here. */
  registerBackend(): BackendPackageStatus;
  /** Whether the backend could run here, without registering anything. */
  backendStatus(): BackendPackageStatus;
}

async function importByName(specifier: string): Promise<BackendPackage | null> {
  try {
    return (await import(specifier)) as BackendPackage;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((e as Error).message).includes(specifier)) return null;
    throw e;
  }
}

const loaded = new Map<PackagedBackend, BackendPackage | null>();
for (const [name, specifier] of Object.entries(BACKEND_PACKAGES) as [PackagedBackend, string][]) {
  loaded.set(name, await importByName(specifier));
}

/** The installed package of backend `name`, loaded once when this module loads; null when it is not installed. */
export function backendPackage(name: PackagedBackend): BackendPackage | null {
  return loaded.get(name) ?? null;
}
