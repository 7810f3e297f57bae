import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, HEADLESS_FLAGS, screenshotHtml } from './screenshot.js';

/*
 * These tests never need a real browser: a stand-in `chromium` shell script records its arguments and writes the
 * file named by --screenshot=, so the call, the temp-file-and-rename and the failure paths are all exercised.
 */
describe('screenshotHtml', () => {
  let dir: string;
  let bin: string;
  let html: string;
  const saved = process.env.DFT_CHROMIUM;
  beforeAll(() => {
    delete process.env.DFT_CHROMIUM;
    dir = mkdtempSync(join(tmpdir(), 'dft-shot-'));
    bin = join(dir, 'bin');
    mkdirSync(bin);
    html = join(dir, 'page.html');
    writeFileSync(html, '<!doctype html><p>hi</p>');
  });
  afterAll(() => {
    if (saved !== undefined) process.env.DFT_CHROMIUM = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  function fakeBrowser(name: string, body: string): string {
    const p = join(bin, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  }

  it('skips with a clear reason when no browser is on PATH, writing nothing', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(findChromium(undefined, empty)).toBeNull();
    const r = await screenshotHtml(html, join(dir, 'none.png'), { pathEnv: empty });
    expect(r).toEqual({ skipped: expect.stringMatching(/^no PNG: chromium not found \(looked for chromium, chromium-browser/) });
    expect(existsSync(join(dir, 'none.png'))).toBe(false);
  });

  it('finds a browser on PATH and calls it headless with the page URL, window size and a temp PNG it renames', async () => {
    const log = join(dir, 'args.txt');
    fakeBrowser('chromium-browser', `printf '%s\\n' "$@" > ${log}\nfor a in "$@"; do case "$a" in --screenshot=*) printf 'PNGDATA' > "\${a#--screenshot=}";; esac; done`);
    expect(findChromium(undefined, `${join(dir, 'nowhere')}:${bin}`)).toBe(join(bin, 'chromium-browser'));
    const png = join(dir, 'out.png');
    const r = await screenshotHtml(html, png, { pathEnv: bin, width: 800, height: 600 });
    expect(r).toEqual({ png });
    expect(readFileSync(png, 'utf8')).toBe('PNGDATA');
    const args = readFileSync(log, 'utf8').trim().split('\n');
    expect(args.slice(0, HEADLESS_FLAGS.length)).toEqual([...HEADLESS_FLAGS]);
    expect(args).toContain('--headless');
    expect(args).toContain('--window-size=800,600');
    expect(args[args.length - 1]).toBe(pathToFileURL(html).href);
    const shot = args.find((a) => a.startsWith('--screenshot='))!.slice('--screenshot='.length);
    expect(shot).not.toBe(png);
    expect(existsSync(shot)).toBe(false);
    // The throw-away profile directory is gone too.
    const profile = args.find((a) => a.startsWith('--user-data-dir='))!.slice('--user-data-dir='.length);
    expect(existsSync(profile)).toBe(false);
  });

  it('a failing browser is an error quoting its stderr, and no PNG or temp file is left', async () => {
    const bad = fakeBrowser('broken', `for a in "$@"; do case "$a" in --screenshot=*) printf 'half' > "\${a#--screenshot=}";; esac; done\necho 'GPU process crashed' >&2\nexit 3`);
    const png = join(dir, 'bad.png');
    await expect(screenshotHtml(html, png, { chromium: bad })).rejects.toThrow(/screenshot: .*broken failed .*GPU process crashed/);
    expect(existsSync(png)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    const silent = fakeBrowser('silent', 'exit 0');
    await expect(screenshotHtml(html, png, { chromium: silent })).rejects.toThrow(/exited without writing/);
  });

  it('rejects a named browser that is not executable, and a missing page', async () => {
    expect(() => findChromium(join(dir, 'page.html'))).toThrow(/chromium: .*page\.html is not an executable file/);
    process.env.DFT_CHROMIUM = join(dir, 'nope');
    expect(() => findChromium()).toThrow(/nope is not an executable file/);
    delete process.env.DFT_CHROMIUM;
    await expect(screenshotHtml(join(dir, 'missing.html'), join(dir, 'x.png'), { chromium: join(bin, 'chromium-browser') })).rejects.toThrow(
      /screenshot: .*missing\.html does not exist/,
    );
  });
});
