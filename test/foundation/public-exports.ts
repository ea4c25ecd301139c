/**
 * The public export list of an entry point, read from its source with the TypeScript compiler:
 * one line per export, `name` for a value (function, class, constant, namespace), `type name`
 * for a type-only export, and `ns.member` for each member of an exported namespace
 * (`metrics.f1`). Sorted by name, so the snapshot files diff one name per line.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The package's entry points: subpath, source file, snapshot file. */
export const ENTRY_POINTS = [
  { subpath: 'losskit', source: 'src/index.ts', snapshot: 'exports/losskit.txt' },
  { subpath: 'losskit/node', source: 'src/node/index.ts', snapshot: 'exports/losskit-node.txt' },
  { subpath: 'losskit/wasm', source: 'src/wasm/index.ts', snapshot: 'exports/losskit-wasm.txt' },
  { subpath: 'losskit/tfjs', source: 'src/tfjs/index.ts', snapshot: 'exports/losskit-tfjs.txt' },
] as const;

export interface ExportLine {
  name: string;
  kind: 'value' | 'type';
  /** For a namespace export: its members (values). */
  members?: string[];
}

function isTypeOnlyExport(sym: ts.Symbol): boolean {
  for (const d of sym.declarations ?? []) {
    if (ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly)) return true;
  }
  return false;
}

/** Every `.ts` file under `dir` (absolute paths). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * Every export of each source file (paths relative to the repository root). The program holds
 * the sources of `src/` only (no packages, no lib): re-exports between them are all the reader
 * needs, and it is ~4× faster than resolving tfjs's and Node's declarations.
 */
export function publicExports(sources: readonly string[]): Map<string, ExportLine[]> {
  const files = sources.map((s) => ROOT + s);
  const program = ts.createProgram(sourceFiles(join(ROOT, 'src')), {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
    noResolve: true,
    noLib: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const out = new Map<string, ExportLine[]>();
  sources.forEach((source, i) => {
    const sf = program.getSourceFile(files[i]);
    if (sf === undefined) throw new Error(`cannot read ${source}`);
    const mod = checker.getSymbolAtLocation(sf);
    if (mod === undefined) throw new Error(`${source} is not a module`);
    const lines: ExportLine[] = [];
    for (const sym of checker.getExportsOfModule(mod)) {
      const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
      const isValue = !isTypeOnlyExport(sym) && (target.flags & ts.SymbolFlags.Value) !== 0;
      const line: ExportLine = { name: sym.name, kind: isValue ? 'value' : 'type' };
      if (isValue && target.flags & ts.SymbolFlags.ValueModule) {
        line.members = checker
          .getExportsOfModule(target)
          .filter((m) => {
            const t = m.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(m) : m;
            return !isTypeOnlyExport(m) && (t.flags & ts.SymbolFlags.Value) !== 0;
          })
          .map((m) => m.name)
          .sort();
      }
      lines.push(line);
    }
    lines.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    out.set(source, lines);
  });
  return out;
}

/** The snapshot text: a header, then one export per line. */
export function snapshotText(subpath: string, source: string, lines: readonly ExportLine[]): string {
  const body: string[] = [];
  for (const l of lines) {
    body.push(l.kind === 'type' ? `type ${l.name}` : l.name);
    for (const m of l.members ?? []) body.push(`${l.name}.${m}`);
  }
  return (
    [
      `# Public exports of '${subpath}' (${source}): one per line, sorted; 'type X' is a type-only export.`,
      `# Checked by test/foundation/exports.test.ts. Change it on purpose: edit ${source},`,
      `# run \`npm run exports:update\`, review this diff, and keep docs/API.md true.`,
      ...body,
    ].join('\n') + '\n'
  );
}
