export { crc32c, maskedCrc32c } from './crc32c.js';
export { decodeRecords, encodeRecord } from './tfrecord.js';
export { decodeEvent, encodeEvent } from './event-proto.js';
export type { TfEvent } from './event-proto.js';
export { EVENT_FILE_PREFIX, EVENT_FILE_VERSION, EventFileWriter, readEventFile } from './event-file.js';
export type { EventFileOptions } from './event-file.js';
