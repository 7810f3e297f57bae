/*
 * The training-batch contract between @dft/data (which builds batches) and @dft/losses (which reads them), defined
 * once here because neither package imports the other.
 */

/**
 * The sequence groups of one DFT batch (docs/design.md, "Batch layout"): `tft` target-language prompt + response, `lc` target prompt + English
 * query, `et` target prompt + English response, `en` English prompt alone (feature teacher), `sft` English prompt +
 * English response.
 */
export type SequenceKind = 'tft' | 'lc' | 'et' | 'en' | 'sft';
export const SEQUENCE_KINDS: readonly SequenceKind[] = ['tft', 'lc', 'et', 'en', 'sft'];

/** Label value of positions that take no loss (prompt, padding): Hugging Face's and PyTorch's -100. */
export const IGNORE_INDEX = -100;
