/**
 * Every loss tree-shakes alone: bundling one loss (esbuild, ES module, tree-shaken, as an
 * application would) keeps that loss's definition and no other. The loss modules mark their
 * top-level definitions `/* @__PURE__ *\/` (the `loss(…)` calls, their option specs and metas,
 * the WASM-twin declarations); one unmarked call or object spread in a definition keeps that
 * loss, its kernel and its WASM route in every bundle of a sibling loss. Checked over every loss
 * losskit exports, against the sources.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as lk from '../../src/index.js';

const ROOT = join(__dirname, '..', '..');

const LOSSES = Object.entries(lk)
  .filter(([, v]) => typeof v === 'function' && 'valueAndGrad' in v)
  .map(([k]) => k);

async function bundle(name: string): Promise<string> {
  const r = await build({
    stdin: { contents: `import { ${name} } from 'losskit'; globalThis.r = ${name};`, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: false,
    treeShaking: true,
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'losskit-sources',
        setup(b) {
          b.onResolve({ filter: /^losskit$/ }, () => ({ path: join(ROOT, 'src/index.ts') }));
        },
      },
    ],
  });
  return r.outputFiles[0].text;
}

describe('one loss bundles alone', () => {
  it('the registry has the losses', () => {
    expect(LOSSES.length).toBeGreaterThan(30);
    expect(LOSSES).toContain('meanSquaredError');
  });
  it.each(LOSSES)(
    '%s',
    async (name) => {
      const code = await bundle(name);
      // a top-level loss definition: `var x = /* @__PURE__ */ loss({` or a family factory (`hingeLoss(…)`)
      const defs = [...code.matchAll(/^var (\w+) = \/\* @__PURE__ \*\/ \w*[lL]oss\(/gm)].map((m) => m[1]);
      expect(defs.length, `definitions in the bundle: ${defs.join(', ')}`).toBe(1);
    },
    30_000,
  );
});
