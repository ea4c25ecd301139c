// What one import of losskit costs an application bundle: each entry below is bundled by esbuild
// for the browser (ES module, minified, tree-shaken, as an application would ship it) from the
// core's source, and the script prints the minified and gzip sizes, whether the WASM kernels'
// bytes and their JS runtime ended up in the bundle, and what opting into the kernels adds to a
// loss (`losskit/wasm`: the module inlined; `initWasm(fetch(…))`: the module as a separate file).
//
//   node scripts/bundle-size.mjs                 # this tree
//   node scripts/bundle-size.mjs --against main  # this tree and a git ref side by side
//   node scripts/bundle-size.mjs --json          # machine-readable
//   (npm run bundle-size -- --against main)
//
// src/wasm/binary.ts (the kernels' bytes, generated and not committed) is built first with
// scripts/build-wasm.mjs when a tree has the kernels and the file is missing (`npm run build`
// refreshes it).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/**
 * name → the application code that imports and uses it; `base`: the entry the row adds to
 * (the same use without the kernels), for the "what the kernels add" lines.
 */
export const ENTRIES = {
  meanSquaredError: {
    code: `import { meanSquaredError } from 'losskit'; globalThis.r = meanSquaredError.valueAndGrad([1, 2], [1.5, 2.5]);`,
  },
  binaryCrossEntropyWithLogits: {
    code: `import { binaryCrossEntropyWithLogits } from 'losskit'; globalThis.r = binaryCrossEntropyWithLogits.valueAndGrad([1, 0], [0.3, -2]);`,
  },
  crossEntropy: {
    code: `import { crossEntropy } from 'losskit'; globalThis.r = crossEntropy.valueAndGrad([1], [[0.2, 0.8]]);`,
  },
  ctc: { code: `import { ctc } from 'losskit'; globalThis.r = ctc;` },
  f1: { code: `import { f1 } from 'losskit'; globalThis.r = f1([0, 1, 1], [0, 1, 0]);` },
  auroc: { code: `import { auroc } from 'losskit'; globalThis.r = auroc([0, 1, 1], [0.1, 0.7, 0.4]);` },
  'getLoss (every loss)': { code: `import { getLoss } from 'losskit'; globalThis.r = getLoss('mse');` },
  'the whole core': { code: `import * as lk from 'losskit'; globalThis.r = lk;` },
  // Opting into the WASM kernels.
  "meanSquaredError + 'losskit/wasm'": {
    base: 'meanSquaredError',
    code: `import 'losskit/wasm'; import { meanSquaredError } from 'losskit'; globalThis.r = meanSquaredError.valueAndGrad([1, 2], [1.5, 2.5]);`,
  },
  "binaryCrossEntropyWithLogits + 'losskit/wasm'": {
    base: 'binaryCrossEntropyWithLogits',
    code: `import 'losskit/wasm'; import { binaryCrossEntropyWithLogits } from 'losskit'; globalThis.r = binaryCrossEntropyWithLogits.valueAndGrad([1, 0], [0.3, -2]);`,
  },
  "crossEntropy + 'losskit/wasm'": {
    base: 'crossEntropy',
    code: `import { initWasm } from 'losskit/wasm'; import { crossEntropy } from 'losskit'; await initWasm(); globalThis.r = crossEntropy.valueAndGrad([1], [[0.2, 0.8]]);`,
  },
  'crossEntropy + initWasm(fetch(kernels.wasm))': {
    base: 'crossEntropy',
    file: true,
    code: `import { crossEntropy, initWasm } from 'losskit'; await initWasm(fetch('/kernels.wasm')); globalThis.r = crossEntropy.valueAndGrad([1], [[0.2, 0.8]]);`,
  },
};

// "\0asm" in base64: present iff the WASM module's bytes are in the bundle.
const WASM_MAGIC_B64 = 'AGFzbQ';
// A string of the kernels' runtime (src/wasm/runtime.ts): present iff their JS glue is in the bundle.
const RUNTIME_MARK = 'losskit wasm: abort';

function ensureWasmBinary(root) {
  const script = join(root, 'scripts/build-wasm.mjs');
  if (!existsSync(script)) return false;
  if (existsSync(join(root, 'src/wasm/binary.ts'))) return true; // as `npm run build` left it
  execFileSync(process.execPath, [script], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  return true;
}

// Replaces the kernels' bytes by an empty string: what the WASM backend's JS glue alone costs.
const NO_WASM_BYTES = {
  name: 'no-wasm-bytes',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]wasm[\\/]binary\.ts$/ }, () => ({
      contents: `export const WASM_SIZE = 0; export const WASM_SHA256 = ''; export const WASM_BASE64 = '';`,
      loader: 'ts',
    }));
  },
};

/** `losskit` and `losskit/<sub>` resolve to the tree's sources (as package.json "exports" maps them). */
function sources(root) {
  const map = { losskit: 'src/index.ts', 'losskit/wasm': 'src/wasm/index.ts' };
  return {
    name: 'losskit-sources',
    setup(b) {
      b.onResolve({ filter: /^losskit(\/.*)?$/ }, (a) => {
        const file = map[a.path];
        if (file === undefined || !existsSync(join(root, file)))
          return { errors: [{ text: `${a.path}: not in this tree` }] };
        return { path: join(root, file) };
      });
    },
  };
}

async function bundle(root, code, plugins) {
  const r = await build({
    stdin: { contents: code, resolveDir: root, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    treeShaking: true,
    write: false,
    logLevel: 'silent',
    plugins: [sources(root), ...plugins],
  });
  return r.outputFiles[0].text;
}

/** The kernels' module: its size raw and gzipped, and gzipped as the base64 text that is inlined. */
function wasmModuleSize(root) {
  const file = join(root, 'src/wasm/binary.ts');
  const m = existsSync(file) ? /WASM_BASE64 =\s*'([^']*)'/.exec(readFileSync(file, 'utf8')) : null;
  return m === null ? null : sizes(m[1]);
}

function sizes(b64) {
  const raw = Buffer.from(b64, 'base64');
  return {
    raw: raw.length,
    rawGzip: gzipSync(raw, { level: 9 }).length,
    base64Gzip: gzipSync(b64, { level: 9 }).length,
  };
}

export async function measure(root) {
  const hasWasm = ensureWasmBinary(root);
  const rows = {};
  for (const [name, e] of Object.entries(ENTRIES)) {
    let text;
    try {
      text = await bundle(root, e.code, []);
    } catch {
      rows[name] = null; // this tree has no such entry (e.g. no 'losskit/wasm')
      continue;
    }
    const glue = hasWasm ? await bundle(root, e.code, [NO_WASM_BYTES]) : text;
    rows[name] = {
      min: Buffer.byteLength(text),
      gzip: gzipSync(text, { level: 9 }).length,
      gzipWithoutWasmBytes: gzipSync(glue, { level: 9 }).length,
      wasm: text.includes(WASM_MAGIC_B64),
      runtime: text.includes(RUNTIME_MARK),
    };
  }
  const module = hasWasm ? wasmModuleSize(root) : null;
  // What opting into the kernels adds to a loss: the row minus its base (plus, when the module is
  // fetched as a file, that file's gzip size).
  const added = {};
  for (const [name, e] of Object.entries(ENTRIES)) {
    const r = rows[name];
    const b = e.base === undefined ? null : rows[e.base];
    if (r === null || b === null || b === undefined) continue;
    const file = e.file && module !== null ? module.rawGzip : 0;
    added[name] = {
      js: r.gzipWithoutWasmBytes - b.gzip,
      bytes: r.gzip - r.gzipWithoutWasmBytes + file,
      total: r.gzip - b.gzip + file,
      file: e.file === true,
    };
  }
  return { hasWasm, module, rows, added };
}

/** A checkout of `ref`'s sources in a temporary folder (sharing this tree's node_modules). */
function checkout(ref) {
  const top = execFileSync('git', ['ls-tree', '--name-only', ref], { cwd: ROOT, encoding: 'utf8' }).split('\n');
  const paths = ['src', 'scripts', 'asm', 'package.json'].filter((p) => top.includes(p));
  const dir = mkdtempSync(join(tmpdir(), 'losskit-size-'));
  const tar = execFileSync('git', ['archive', '--format=tar', ref, ...paths], { cwd: ROOT, maxBuffer: 1 << 28 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

const kB = (b) => (b / 1000).toFixed(1);

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--against');
  const ref = i >= 0 ? args[i + 1] : null;
  if (i >= 0 && !ref) throw new Error('--against needs a git ref');
  const here = await measure(ROOT);
  let there = null;
  if (ref) {
    const dir = checkout(ref);
    try {
      there = await measure(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (args.includes('--json')) {
    console.log(JSON.stringify({ here, against: ref, there }, null, 2));
  } else {
    const yn = (x) => (x ? 'yes' : 'no');
    const head = ref
      ? `| import | ${ref}: min kB | ${ref}: gzip kB | this tree: min kB | this tree: gzip kB | gzip added | wasm bytes in bundle | kernels' runtime in bundle |`
      : "| import | min kB | gzip kB | gzip without the wasm bytes | wasm bytes in bundle | kernels' runtime in bundle |";
    console.log(`esbuild ${(await import('esbuild')).version}, platform browser, ES module, minified, gzip -9`);
    console.log(head);
    console.log(head.replace(/[^|]+/g, (s) => (/kB|added|without/.test(s) ? '---:' : '---')));
    for (const [name, h] of Object.entries(here.rows)) {
      if (h === null) continue;
      if (there) {
        const t = there.rows[name];
        const sign = (x) => `${x >= 0 ? '+' : ''}${kB(x)}`;
        const tm = t ? kB(t.min) : 'n/a';
        const tg = t ? kB(t.gzip) : 'n/a';
        const add = t ? sign(h.gzip - t.gzip) : 'n/a';
        console.log(
          `| ${name} | ${tm} | ${tg} | ${kB(h.min)} | ${kB(h.gzip)} | ${add} | ${yn(h.wasm)} | ${yn(h.runtime)} |`,
        );
      } else
        console.log(
          `| ${name} | ${kB(h.min)} | ${kB(h.gzip)} | ${kB(h.gzipWithoutWasmBytes)} | ${yn(h.wasm)} | ${yn(h.runtime)} |`,
        );
    }
    const m = here.module;
    if (m !== null)
      console.log(
        `\nthe WASM module: ${m.raw} B (${kB(m.rawGzip)} kB gzip as a .wasm file; ${kB(m.base64Gzip)} kB gzip as the base64 text inlined in the bundle)`,
      );
    const added = Object.entries(here.added);
    if (added.length > 0) {
      console.log(`\nwhat the WASM kernels add to a loss (gzip):`);
      for (const [name, a] of added)
        console.log(
          `  ${name}: +${kB(a.total)} kB = ${kB(a.js)} kB runtime and wrappers + ${kB(a.bytes)} kB module ${a.file ? '(a separate .wasm file, fetched)' : '(inlined)'}`,
        );
    }
  }
}
