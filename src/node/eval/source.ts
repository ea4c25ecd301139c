/**
 * Byte sources for the evaluation engine: a file path, `-` (stdin) or any async iterable of
 * bytes; gzip is detected from its magic bytes and decompressed on the fly. Every failure is an
 * {@link EvalInputError} naming the file and the place.
 */
import { createReadStream, statSync, type Stats } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { LosskitError } from '../../errors.js';

/** A bad input file: the message starts with `file:line:column:` (or `file:`) and is one line. */
export class EvalInputError extends LosskitError {
  readonly place: string;
  constructor(place: string, message: string) {
    super('INVALID_INPUT', 'evaluate', `${place}: ${message.replace(/\s*\n\s*/g, ' ')}`, 'file');
    this.place = place;
  }
}

/** Short, printable reason of a Node system error. */
export function sysReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'Z_BUF_ERROR':
    case 'Z_DATA_ERROR':
      return `corrupt or truncated gzip data (${err.message})`;
    default:
      return err?.message ?? String(e);
  }
}

export interface ByteInput {
  /** Name for messages. */
  name: string;
  /** Decompressed chunks. */
  chunks: AsyncIterator<Uint8Array>;
  /** Source bytes read so far (compressed bytes for gzip): for progress. */
  bytesRead(): number;
  /** Source size, when known. */
  size: number | null;
  gzip: boolean;
  /** A regular file (re-openable, seekable). */
  regular: boolean;
}

/** Checks a path before reading: exists, is not a directory; returns its stats. */
export function statInput(path: string): Stats {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    throw new EvalInputError(path, `cannot read: ${sysReason(e)}`);
  }
  if (st.isDirectory()) throw new EvalInputError(path, 'cannot read: is a directory, not a file');
  return st;
}

async function* fromIterable(
  src: AsyncIterable<Uint8Array | string>,
  count: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  for await (const c of src) {
    const b = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
    count(b.length);
    if (b.length > 0) yield b;
  }
}

/**
 * Opens a byte input. `source`: a path, `-` for stdin, or an async iterable of chunks.
 * Peeks the first bytes: gzip (1f 8b) is decompressed transparently.
 */
export async function openBytes(
  source: string | AsyncIterable<Uint8Array | string>,
  name?: string,
): Promise<ByteInput> {
  let raw: AsyncIterable<Uint8Array | string>;
  let size: number | null = null;
  let regular = false;
  let label = name ?? (typeof source === 'string' ? source : '<stream>');
  if (typeof source === 'string') {
    if (source === '-') {
      raw = process.stdin;
      label = name ?? '<stdin>';
    } else {
      const st = statInput(source);
      regular = st.isFile();
      if (regular) size = st.size;
      raw = createReadStream(source, { highWaterMark: 1 << 20 });
    }
  } else raw = source;
  let read = 0;
  const it = fromIterable(raw, (n) => (read += n));
  let first: IteratorResult<Uint8Array>;
  try {
    first = await it.next();
  } catch (e) {
    throw new EvalInputError(label, `cannot read: ${sysReason(e)}`);
  }
  const gzip = !first.done && first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b;
  const wrapErrors = async function* (inner: AsyncIterator<Uint8Array>, head: IteratorResult<Uint8Array> | null) {
    try {
      if (head && !head.done) yield head.value;
      for (;;) {
        const r = await inner.next();
        if (r.done) return;
        yield r.value;
      }
    } catch (e) {
      if (e instanceof LosskitError) throw e;
      throw new EvalInputError(label, `cannot read: ${sysReason(e)}`);
    } finally {
      await inner.return?.(undefined); // stopped early: close the file
    }
  };
  let chunks: AsyncIterator<Uint8Array>;
  if (gzip) {
    const gunzip = createGunzip();
    const replay = async function* () {
      if (!first.done) yield first.value;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    };
    const src = Readable.from(replay());
    src.on('error', (e) => gunzip.destroy(e));
    src.pipe(gunzip);
    const gz = gunzip[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
    chunks = (async function* () {
      try {
        for (;;) {
          const r = await gz.next();
          if (r.done) return;
          yield r.value;
        }
      } catch (e) {
        if (e instanceof LosskitError) throw e;
        const code = (e as NodeJS.ErrnoException).code ?? '';
        throw new EvalInputError(
          label,
          code.startsWith('Z_') || /unexpected end/i.test(String((e as Error).message))
            ? `corrupt or truncated gzip data after ${read} compressed bytes (${(e as Error).message})`
            : `cannot read: ${sysReason(e)}`,
        );
      }
    })();
  } else chunks = wrapErrors(it, first);
  return { name: label, chunks, bytesRead: () => read, size, gzip, regular };
}

/** Reads a whole byte input into one buffer (formats that need random access). */
export async function readAll(input: ByteInput): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for (;;) {
    const r = await input.chunks.next();
    if (r.done) break;
    parts.push(r.value);
  }
  return Buffer.concat(parts);
}
