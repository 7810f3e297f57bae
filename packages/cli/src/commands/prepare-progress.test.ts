import { describe, expect, it } from 'vitest';
import { prepareProgressBar } from './prepare-progress.js';

describe('dft prepare progress bar', () => {
  it('draws share of bytes read, rows, rows/s and ETA in place on a terminal, and clears it at the end', () => {
    const writes: string[] = [];
    let t = 1000;
    const bar = prepareProgressBar({ isTTY: true, write: (s) => writes.push(s) }, () => t)!;
    t += 4000;
    bar.update({ records: 2100, written: 2000, bytesRead: 25, totalBytes: 100 });
    expect(writes.pop()).toBe(`\r\x1b[2Kprepare [======                  ]  25% 2,000 rows 500 rows/s ETA 12s`);
    t += 12000;
    bar.update({ records: 8000, written: 8000, bytesRead: 100, totalBytes: 100 });
    expect(writes.pop()).toBe(`\r\x1b[2Kprepare [========================] 100% 8,000 rows 500 rows/s ETA 0s`);
    bar.end();
    expect(writes).toEqual(['\r\x1b[2K']);
  });

  it('stays silent when stderr is not a terminal', () => {
    expect(prepareProgressBar({ isTTY: false, write: () => undefined })).toBeNull();
  });
});
