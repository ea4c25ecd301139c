/**
 * Temporary files for inputs that need random access but arrive as a stream: a Parquet file (its
 * footer is at the end) or an Arrow IPC *file* (footer too) read from stdin, a pipe or through
 * gzip. The stream is copied to `os.tmpdir()/losskit-spool-<pid>-<hex>.<ext>` (mode 0600) and then
 * read from there one row group / record batch at a time, so memory stays bounded by one group.
 *
 * The file is removed when the reader closes, on an error, at process exit and on SIGINT /
 * SIGTERM / SIGHUP (the signal is then raised again, so the process still ends by it). A
 * process killed outright (SIGKILL) cannot clean up: the pid in the name lets a later run find
 * those files and remove the ones whose process is gone (as `--out` does with its temp files).
 */
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDeadPidFiles } from './output.js';
import { EvalInputError, sysReason, type ByteInput } from './source.js';

const SPOOL_RE = /^losskit-spool-(\d+)-[0-9a-f]+\.[a-z]+$/;

/** Spool files of this process not yet removed. */
const live = new Set<string>();

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function removeAllSync(): void {
  for (const p of live) {
    try {
      unlinkSync(p);
    } catch {
      /* already gone */
    }
  }
  live.clear();
}

function onSignal(sig: NodeJS.Signals): void {
  removeAllSync();
  uninstall();
  // Nobody else handles the signal: raise it again, so the default action (end the process) runs.
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', removeAllSync);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.removeListener('exit', removeAllSync);
  for (const s of SIGNALS) process.removeListener(s, onSignal);
}

/** Removes spool files left in `dir` by processes that are gone (killed before cleaning up). */
export function removeStaleSpools(dir = tmpdir()): string[] {
  return removeDeadPidFiles(dir, SPOOL_RE);
}

export interface Spool {
  path: string;
  /** Removes the file (idempotent). */
  remove(): void;
}

/**
 * Copies the rest of `input` (decompressed) to a new temp file. Errors of the input (a truncated
 * gzip) and of the disk are {@link EvalInputError}s naming `file`; the temp file is removed.
 */
export async function spoolInput(input: ByteInput, file: string, ext: string): Promise<Spool> {
  removeStaleSpools();
  const path = join(tmpdir(), `losskit-spool-${process.pid}-${randomBytes(6).toString('hex')}.${ext}`);
  const remove = (): void => {
    if (!live.delete(path)) return;
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
    if (live.size === 0) uninstall();
  };
  // Registered before the file is created: a signal arriving while `open` completes (the file
  // exists, the continuation has not run yet) still removes it.
  live.add(path);
  install();
  let fh;
  try {
    fh = await open(path, 'wx', 0o600);
  } catch (e) {
    // Nothing was created (a name in use is not ours to remove): only unregistered.
    live.delete(path);
    if (live.size === 0) uninstall();
    throw new EvalInputError(file, `cannot create a temporary file in ${tmpdir()} to read it: ${sysReason(e)}`);
  }
  try {
    for (;;) {
      const r = await input.chunks.next();
      if (r.done) break;
      try {
        await fh.write(r.value);
      } catch (e) {
        throw new EvalInputError(file, `cannot write the temporary file ${path}: ${sysReason(e)}`);
      }
    }
    await fh.close();
  } catch (e) {
    await fh.close().catch(() => undefined);
    remove();
    throw e;
  }
  return { path, remove };
}
