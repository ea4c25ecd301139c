/**
 * Transpiles `src/` into a private temp directory (TypeScript's `transpileModule`, no type
 * check), so child processes can run the real sources — the CLI, a history writer killed
 * mid-run — without depending on a (possibly stale) shared `dist/`. `node_modules` is
 * symlinked so dependencies resolve as in the repo.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Returns the directory holding the transpiled `src` tree (as `<dir>/src/**.js`) and a cleanup function. */
export function transpileSrc(): { root: string; src: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'losskit-src-'));
  const srcDir = join(repo, 'src');
  for (const file of walk(srcDir)) {
    const out = join(root, 'src', relative(srcDir, file)).replace(/\.ts$/, '.js');
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  writeFileSync(join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir');
  return { root, src: join(root, 'src'), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
