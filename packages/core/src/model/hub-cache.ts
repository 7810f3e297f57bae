import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Hub ids (`org/name`) resolved from the local Hugging Face cache, laid out as `huggingface_hub` writes it:
 * `<hub>/models--org--name/refs/<branch or tag>` holds a commit hash, `snapshots/<commit>/` holds the files
 * (symlinks into `blobs/`). Nothing is downloaded: a model that is not cached is an error saying how to fetch it.
 */

export interface ResolveModelOptions {
  /** Branch, tag (a file under `refs/`) or full commit hash; default `main`. */
  revision?: string;
  /** Environment read for `HF_HUB_CACHE`, `HF_HOME`, `XDG_CACHE_HOME` (default process.env). */
  env?: NodeJS.ProcessEnv;
}

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;
const COMMIT = /^[0-9a-f]{40}$/;

/** Whether `ref` has the form of a Hub model id (`org/name`; no `--` or `..`, as the Hub requires). */
export function isHubId(ref: string): boolean {
  return HUB_ID.test(ref) && !ref.includes('--') && !ref.includes('..');
}

/** The hub cache folder, with huggingface_hub's precedence: HF_HUB_CACHE, then HF_HOME/hub, then XDG_CACHE_HOME. */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  const home = env.HF_HOME || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'huggingface');
  return path.join(home, 'hub');
}

function fetchHint(id: string, revision: string | undefined): string {
  const rev = revision ? ` --revision ${revision}` : '';
  return `fetch it first with \`huggingface-cli download ${id}${rev}\` (into the cache) or \`huggingface-cli download ${id}${rev} --local-dir DIR\` and pass DIR`;
}

/** The cached refs of a repository folder, e.g. `main, v1.0` (for error messages). */
function cachedRefs(repoDir: string): string[] {
  const refs = path.join(repoDir, 'refs');
  if (!fs.existsSync(refs)) return [];
  return (fs.readdirSync(refs, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(refs, f)).isFile()).sort();
}

/**
 * A model reference as a directory: an existing directory is returned as it is; `org/name` is looked up in the
 * local Hugging Face cache at `revision` (default `main`). Errors say where it looked and how to fetch the model.
 */
export function resolveModelDir(ref: string, opts: ResolveModelOptions = {}): string {
  if (fs.existsSync(ref) && fs.statSync(ref).isDirectory()) {
    if (opts.revision) throw new Error(`--revision ${opts.revision} applies to Hub ids, but ${ref} is a local directory`);
    return ref;
  }
  if (!isHubId(ref)) throw new Error(`model ${ref}: no such directory (nor a Hub id of the form org/name)`);
  const hub = hubCacheDir(opts.env);
  const repoDir = path.join(hub, `models--${ref.replace('/', '--')}`);
  const revision = opts.revision ?? 'main';
  const notCached = (what: string) =>
    new Error(`model ${ref}: ${what}; it is neither a local directory nor in the Hugging Face cache ${hub}. Nothing is downloaded at run time: ${fetchHint(ref, opts.revision)}`);
  if (!fs.existsSync(repoDir)) throw notCached(`${repoDir} does not exist`);
  let commit = revision;
  if (!COMMIT.test(revision)) {
    const refFile = path.join(repoDir, 'refs', revision);
    if (!fs.existsSync(refFile)) {
      const known = cachedRefs(repoDir);
      throw notCached(`revision "${revision}" is not cached (no ${refFile}; cached refs: ${known.length ? known.join(', ') : 'none'})`);
    }
    commit = fs.readFileSync(refFile, 'utf8').trim();
    if (!COMMIT.test(commit)) throw new Error(`${refFile}: expected a 40-character commit hash, got ${JSON.stringify(commit)}`);
  }
  const snapshot = path.join(repoDir, 'snapshots', commit);
  if (!fs.existsSync(path.join(snapshot, 'config.json'))) {
    throw notCached(`${path.join(snapshot, 'config.json')} does not exist (revision "${revision}" is not fully cached)`);
  }
  return snapshot;
}
