/**
 * @dft/native: the tfjs backend `native` (the cpu backend with its hot kernels in an OpenBLAS addon) and the
 * kernels it registers under @dft/ops' names. Core loads it by name; users only need it installed.
 */
export { NATIVE_BACKEND, backendStatus, nativeStatus, registerBackend, registerNativeBackend, type NativeStatus, type RegisterOptions } from './backend.js';
