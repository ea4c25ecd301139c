/**
 * The public surface of each entry point only changes on purpose: the sorted export list
 * (values, types, namespace members) is compared with the committed files in `exports/`.
 * After an intended change, run `npm run exports:update` (vitest -u on this file) and commit
 * the updated `test/foundation/exports/*.txt` with docs/API.md.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ENTRY_POINTS, ROOT, publicExports, snapshotText, type ExportLine } from './public-exports.js';

const RUNTIME: Record<string, () => Promise<Record<string, unknown>>> = {
  'src/index.ts': () => import('../../src/index.js'),
  'src/node/index.ts': () => import('../../src/node/index.js'),
  'src/wasm/index.ts': () => import('../../src/wasm/index.js'),
  'src/tfjs/index.ts': () => import('../../src/tfjs/index.js'),
};

/** The `export * from` / `export * as` statements of a source file. */
function starExports(source: string): string[] {
  const sf = ts.createSourceFile(source, readFileSync(ROOT + source, 'utf8'), ts.ScriptTarget.ES2022);
  return sf.statements
    .filter((s) => ts.isExportDeclaration(s) && (s.exportClause === undefined || ts.isNamespaceExport(s.exportClause)))
    .map((s) => s.getText(sf));
}

const exportsOf = publicExports(ENTRY_POINTS.map((e) => e.source));
const linesOf = (source: string): ExportLine[] => exportsOf.get(source) ?? [];

describe('public exports', () => {
  for (const e of ENTRY_POINTS) {
    it(`'${e.subpath}' exports exactly the names in test/foundation/${e.snapshot}`, async () => {
      const text = snapshotText(e.subpath, e.source, linesOf(e.source));
      await expect(
        text,
        `The public exports of '${e.subpath}' changed. If that is intended, run \`npm run exports:update\` ` +
          `(or \`npx vitest run test/foundation/exports.test.ts -u\`), review and commit test/foundation/${e.snapshot}, ` +
          `and update docs/API.md; otherwise restore the export in ${e.source}.`,
      ).toMatchFileSnapshot(e.snapshot);
    });

    it(`'${e.subpath}': the compiler's value exports are the module's runtime exports`, async () => {
      const mod = await RUNTIME[e.source]();
      const values = linesOf(e.source).filter((l) => l.kind === 'value');
      expect(Object.keys(mod).sort()).toEqual(values.map((l) => l.name).sort());
      for (const l of values) {
        if (l.members !== undefined) expect(Object.keys(mod[l.name] as object).sort(), l.name).toEqual(l.members);
      }
    });

    it(`${e.source} lists its exports by name (no export *)`, () => {
      expect(starExports(e.source)).toEqual([]);
    });
  }

  it('the root entry exports no kernel, family array, SCREAMING_CASE constant or reducer internals', () => {
    const values = linesOf('src/index.ts')
      .filter((l) => l.kind === 'value')
      .flatMap((l) => [l.name, ...(l.members ?? [])]);
    const internal = values.filter(
      (n) =>
        /Kernels?$|Spec$/.test(n) ||
        /^(?!list)[a-z]\w*(Losses|Metrics)$/.test(n) ||
        /^[A-Z][A-Z0-9_]+$/.test(n) ||
        ['planReduction', 'broadcastSampleWeight', 'makeLoss', 'withDefaults', 'elementwiseLoss'].includes(n),
    );
    expect(internal).toEqual([]);
  });

  it("Node's 'losskit' and 'losskit/tfjs' (index.node.ts, the \"node\" condition) export what index.ts does; 'losskit/wasm' shares the core's functions", async () => {
    const core = await import('../../src/index.js');
    const node = await import('../../src/index.node.js');
    const wasm = await import('../../src/wasm/index.js');
    expect(Object.keys(node).sort()).toEqual(Object.keys(core).sort());
    for (const k of Object.keys(core)) expect(node[k as keyof typeof node], k).toBe(core[k as keyof typeof core]);
    // One backend state per process: the wasm entry re-exports the core's functions, not copies.
    for (const k of Object.keys(wasm)) expect(wasm[k as keyof typeof wasm], k).toBe(core[k as keyof typeof core]);
    const pkg = JSON.parse(readFileSync(ROOT + 'package.json', 'utf8')) as {
      exports: Record<string, { node?: { import: { default: string } } }>;
    };
    expect(pkg.exports['.'].node?.import.default).toBe('./dist/esm/index.node.js');
    expect(pkg.exports['./tfjs'].node?.import.default).toBe('./dist/esm/tfjs/index.node.js');
    const tfjs = await import('../../src/tfjs/index.js');
    const tfjsNode = await import('../../src/tfjs/index.node.js');
    expect(Object.keys(tfjsNode).sort()).toEqual(Object.keys(tfjs).sort());
  });

  it('the metrics namespace lists its members by name too', () => {
    expect(starExports('src/metrics-namespace.ts')).toEqual([]);
  });

  it('the export lists are not trivially empty (the reader works)', () => {
    const root = linesOf('src/index.ts');
    expect(root.filter((l) => l.kind === 'value').length).toBeGreaterThan(50);
    expect(root.some((l) => l.name === 'LossFunction' && l.kind === 'type')).toBe(true);
    expect(root.find((l) => l.name === 'metrics')?.members).toContain('f1');
    expect(root.some((l) => l.name === 'LosskitError' && l.kind === 'value')).toBe(true);
  });
});
