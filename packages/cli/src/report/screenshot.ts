import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Browser executables looked up on PATH, in order. */
export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * The Chromium to use: `explicit` (an error if it is not an executable file), else `$DFT_CHROMIUM`, else the first
 * of CHROMIUM_NAMES on `pathEnv` (default `$PATH`); null when there is none.
 */
export function findChromium(explicit?: string, pathEnv: string = process.env.PATH ?? ''): string | null {
  const given = explicit ?? process.env.DFT_CHROMIUM;
  if (given) {
    if (!isExecutable(given)) throw new Error(`chromium: ${given} is not an executable file`);
    return given;
  }
  for (const dir of pathEnv.split(delimiter).filter(Boolean)) {
    for (const name of CHROMIUM_NAMES) {
      const p = join(dir, name);
      if (isExecutable(p)) return p;
    }
  }
  return null;
}

export interface ScreenshotOptions {
  /** Browser executable (an error if it is not one); default: findChromium(). */
  chromium?: string;
  width?: number;
  height?: number;
  /** Kill the browser after this long. Default 60 s. */
  timeoutMs?: number;
  /** PATH to search when no browser is named (tests). */
  pathEnv?: string;
}

export type ScreenshotResult = { png: string } | { skipped: string };

/** Chromium without a window, GPU, network chatter or first-run pages: a page in, a PNG out. */
export const HEADLESS_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--hide-scrollbars',
] as const;

/**
 * Renders an HTML file to a PNG with headless Chromium, written to a temp name and renamed. Resolves
 * `{skipped: why}` (and writes nothing) when no browser is installed, so callers can log it and go on.
 */
export async function screenshotHtml(htmlFile: string, pngFile: string, opts: ScreenshotOptions = {}): Promise<ScreenshotResult> {
  const browser = opts.chromium !== undefined ? findChromium(opts.chromium) : findChromium(undefined, opts.pathEnv);
  if (!browser) {
    return { skipped: `no PNG: chromium not found (looked for ${CHROMIUM_NAMES.join(', ')} on PATH; set DFT_CHROMIUM or install chromium)` };
  }
  if (!existsSync(htmlFile)) throw new Error(`screenshot: ${htmlFile} does not exist`);
  const target = resolve(pngFile);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp.png`);
  const profile = mkdtempSync(join(tmpdir(), 'dft-chromium-'));
  const args = [
    ...HEADLESS_FLAGS,
    `--user-data-dir=${profile}`,
    `--screenshot=${tmp}`,
    `--window-size=${opts.width ?? 1280},${opts.height ?? 1000}`,
    pathToFileURL(resolve(htmlFile)).href,
  ];
  try {
    await new Promise<void>((ok, fail) => {
      execFile(browser, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 1 << 22 }, (err, _stdout, stderr) => {
        if (err) fail(new Error(`screenshot: ${browser} failed (${err.message.split('\n')[0]})${stderr ? `: ${String(stderr).trim().split('\n').slice(-3).join(' | ')}` : ''}`));
        else ok();
      });
    });
    if (!existsSync(tmp) || statSync(tmp).size === 0) throw new Error(`screenshot: ${browser} exited without writing ${tmp}`);
    renameSync(tmp, target);
    return { png: target };
  } finally {
    rmSync(tmp, { force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}
