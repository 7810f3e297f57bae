export { registerNativeBackend, nativeStatus, registerBackend, backendStatus, NATIVE_BACKEND, NATIVE_PRIORITY } from './backend.js';
export type { NativeStatus, RegisterOptions } from './backend.js';
export { ADDON_PATH } from './addon.js';
