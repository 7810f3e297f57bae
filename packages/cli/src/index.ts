export { runCli, COMMANDS } from './cli.js';
export { UsageError, type Command, type OptionSpec } from './command.js';
export { PRESETS, readConfigFile, resolveConfig } from './train/config.js';
export { CHROMIUM_NAMES, findChromium, screenshotHtml, type ScreenshotOptions, type ScreenshotResult } from './report/screenshot.js';
export { scoreIds } from './commands/score.js';
export { layersCommand, resolveAutoLayers, readLayerExamples, layerDataFile, DEFAULT_LAYERS_LIMIT, type AutoLayers, type AutoLayersOptions } from './commands/layers.js';
