/** One raw record read from a source file, with where it came from for error messages. */
export interface SourceRecord {
  value: unknown;
  /** 0-based position of the record in its file. */
  index: number;
  file: string;
  /** `file:line` for text formats, `file: row N` for columnar ones. */
  where: string;
  /** The record's own JSON text (JSON formats): what JSON numbers lose, such as 64-bit integer ids, is read here. */
  text?: string;
}
