// tfjs-core's Node entry registers no gradient functions; its own registration module does, into tfjs-core's global
// registry. That module's ESM build uses extensionless imports plain Node cannot resolve, so the package build
// (scripts/bundle-gradients.mjs) bundles it into dist/backend/gradients.js; tests (vitest) resolve it as it is.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
