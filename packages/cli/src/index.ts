export { runCli, COMMANDS } from './cli.js';
export { UsageError } from './command.js';
export type { Command, OptionSpec } from './command.js';
export { PRESETS, readConfigFile, resolveConfig } from './train/config.js';
export { CHROMIUM_NAMES, findChromium, screenshotHtml } from './report/screenshot.js';
export type { ScreenshotOptions, ScreenshotResult } from './report/screenshot.js';
export { scoreIds } from './commands/score.js';
export { layersCommand, resolveAutoLayers, readLayerExamples, layerDataFile, DEFAULT_LAYERS_LIMIT } from './commands/layers.js';
export type { AutoLayers, AutoLayersOptions } from './commands/layers.js';
