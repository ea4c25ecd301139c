/**
 * The packed package works for consumers (ESM import and CJS require of `losskit`), and the
 * core is browser-safe: its import graph reaches no Node built-in and no other package.
 * Needs `npm run build` first (`npm test` does it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, '.tmp-pack-test');
const consumer = join(work, 'consumer');

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('packed package', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist/esm/index.js')))
      throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test');
    rmSync(work, { recursive: true, force: true });
    mkdirSync(join(consumer, 'node_modules', 'losskit'), { recursive: true });
    const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root)) as { filename: string }[];
    // Install the tarball the way npm lays it out (its dependencies resolve from the repo's
    // node_modules above this folder).
    run(
      'tar',
      ['-xzf', join(work, out[0].filename), '-C', join(consumer, 'node_modules', 'losskit'), '--strip-components=1'],
      root,
    );
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ships dist and README, not sources or tests', () => {
    const files = run('tar', ['-tzf', join(work, readdirTgz())], root).split('\n');
    expect(files).toContain('package/dist/esm/index.js');
    expect(files).toContain('package/dist/cjs/index.js');
    expect(files).toContain('package/dist/esm/index.d.ts');
    expect(files).toContain('package/dist/esm/index.node.js');
    expect(files).toContain('package/dist/esm/wasm/index.js');
    expect(files).toContain('package/dist/kernels.wasm');
    expect(files).toContain('package/README.md');
    expect(files.some((f) => f.startsWith('package/test/') || f.startsWith('package/src/'))).toBe(false);
  });

  it('ESM: import { meanSquaredError } from "losskit"', () => {
    writeFileSync(
      join(consumer, 'esm.mjs'),
      `import { meanSquaredError, getLoss, LosskitError } from 'losskit';
       import * as lk from 'losskit';
       const v = meanSquaredError([1, 2, 3], [1, 2, 5]);
       let code = '';
       try { meanSquaredError([1], [1, 2]); } catch (e) { code = e instanceof LosskitError ? e.code : 'wrong class'; }
       console.log(JSON.stringify({ v, keras: getLoss('mse')([[0, 1]], [[1, 1]]), code, n: Object.keys(lk).length }));`,
    );
    const r = JSON.parse(run('node', ['esm.mjs'], consumer)) as { v: number; keras: number; code: string; n: number };
    expect(r.v).toBeCloseTo(4 / 3, 15);
    expect(r.keras).toBe(0.5);
    expect(r.code).toBe('SHAPE_MISMATCH');
    expect(r.n).toBeGreaterThan(10);
  });

  it('CJS: require("losskit")', () => {
    writeFileSync(
      join(consumer, 'cjs.cjs'),
      `const lk = require('losskit');
       const { value, grad } = lk.meanSquaredError.valueAndGrad([1, 2], [0, 0]);
       console.log(JSON.stringify({ value, grad: Array.from(grad.data), metric: lk.getMetric('mse').update([1], [3]).compute() }));`,
    );
    const r = JSON.parse(run('node', ['cjs.cjs'], consumer)) as { value: number; grad: number[]; metric: number };
    expect(r).toEqual({ value: 2.5, grad: [-1, -2], metric: 4 });
  });

  it('TypeScript consumers get declarations for every entry point', () => {
    const pkg = JSON.parse(readFileSync(join(consumer, 'node_modules/losskit/package.json'), 'utf8')) as {
      exports: Record<string, { import: { types: string }; require: { types: string } }>;
    };
    for (const k of ['.', './wasm', './node', './tfjs']) {
      expect(existsSync(join(consumer, 'node_modules/losskit', pkg.exports[k].import.types))).toBe(true);
      expect(existsSync(join(consumer, 'node_modules/losskit', pkg.exports[k].require.types))).toBe(true);
    }
  });

  it("Node: 'losskit' (ESM and CJS) uses the WASM kernels by default; dist/esm/index.js (what browsers get) has none until initWasm(module)", () => {
    // A float32 BCE-with-logits call large enough for the kernels, then the backend state.
    const use = (lk: string): string =>
      `const x = new Float32Array(4096).map((_, i) => Math.sin(i)), y = new Float32Array(4096).map((_, i) => i % 2);
       ${lk}.binaryCrossEntropyWithLogits.valueAndGrad(y, x);
       const st = ${lk}.getBackend();`;
    writeFileSync(
      join(consumer, 'backend.mjs'),
      `import * as node from 'losskit';
       import * as wasm from 'losskit/wasm';
       ${use('node')}
       console.log(JSON.stringify({ node: st.wasmLoaded, same: wasm.getBackend === node.getBackend }));`,
    );
    expect(JSON.parse(run('node', ['backend.mjs'], consumer))).toEqual({ node: true, same: true });
    // A separate process: the browser entry's modules are the same files as Node's.
    writeFileSync(
      join(consumer, 'core.mjs'),
      `import * as core from './node_modules/losskit/dist/esm/index.js';
       import { readFileSync } from 'node:fs';
       import { createRequire } from 'node:module';
       const require = createRequire(import.meta.url);
       const out = {};
       { ${use('core')} out.core = st.wasmLoaded; }
       out.coreNoModule = await core.initWasm();
       out.coreError = core.getBackend().error;
       out.coreFile = await core.initWasm(readFileSync(require.resolve('losskit/kernels.wasm')));
       { ${use('core')} out.coreAfter = st.wasmLoaded; }
       console.log(JSON.stringify(out));`,
    );
    // 'losskit/node' and 'losskit/tfjs' in Node enable them too (each in a fresh process).
    for (const sub of ['losskit/node', 'losskit/tfjs']) {
      writeFileSync(
        join(consumer, 'sub.mjs'),
        `await import('${sub}');
         const core = await import('./node_modules/losskit/dist/esm/index.js');
         ${use('core')}
         console.log(JSON.stringify(st.wasmLoaded));`,
      );
      expect(JSON.parse(run('node', ['sub.mjs'], consumer)), sub).toBe(true);
    }
    const r = JSON.parse(run('node', ['core.mjs'], consumer)) as Record<string, unknown>;
    expect(r).toMatchObject({ core: false, coreNoModule: false, coreFile: true, coreAfter: true });
    expect(r.coreError).toMatch(/losskit\/wasm/);
    writeFileSync(
      join(consumer, 'backend.cjs'),
      `const lk = require('losskit');
       ${use('lk')}
       console.log(JSON.stringify({ loaded: st.wasmLoaded, wasm: typeof require('losskit/wasm').initWasm }));`,
    );
    expect(JSON.parse(run('node', ['backend.cjs'], consumer))).toEqual({ loaded: true, wasm: 'function' });
  });
});

function readdirTgz(): string {
  const names = run('ls', [work], root)
    .split('\n')
    .filter((f) => f.endsWith('.tgz'));
  return names[0];
}

describe('the core is browser-safe', () => {
  it('dist/esm/index.js and dist/esm/wasm/index.js (losskit/wasm) reach only relative imports: no Node built-ins, no packages, no Node globals', () => {
    const seen = new Set<string>();
    const bad: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, 'utf8');
      const specs = [
        ...src.matchAll(
          /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm,
        ),
      ].map((m) => m[1] ?? m[2] ?? m[3]);
      for (const s of specs) {
        if (s.startsWith('./') || s.startsWith('../')) visit(resolve(dirname(file), s));
        else bad.push(`${file.slice(root.length + 1)} imports '${s}'`);
      }
      for (const g of [/\bprocess\./, /\bBuffer\./, /\b__dirname\b/, /\brequire\(/])
        if (g.test(src)) bad.push(`${file.slice(root.length + 1)} uses ${g.source}`);
    };
    visit(join(root, 'dist/esm/index.js'));
    visit(join(root, 'dist/esm/wasm/index.js'));
    expect(seen.size).toBeGreaterThan(5);
    expect(bad).toEqual([]);
  });
});
