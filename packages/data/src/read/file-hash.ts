import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';

/** sha256 of a file, streamed. */
export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return { sha256: h.digest('hex'), bytes: statSync(file).size };
}
