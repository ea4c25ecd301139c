/**
 * Package metadata stays true: the LICENSE matches package.json's `license`, the repository /
 * homepage / bugs fields are absent or agree (npm renders the README's relative links from
 * `repository`), and the README's sentence about what `npm install losskit` brings names exactly
 * package.json's runtime dependencies (add or drop one and this test says where to update the
 * README).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  license: string;
  files: string[];
  repository?: { type: string; url: string };
  homepage?: string;
  bugs?: { url: string };
  dependencies?: Record<string, string>;
  sideEffects: string[] | boolean;
};

describe('package hygiene', () => {
  it('LICENSE is the MIT text package.json declares, and it ships', () => {
    const text = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(pkg.license).toBe('MIT');
    expect(text.startsWith('MIT License\n')).toBe(true);
    expect(text).toContain('Permission is hereby granted, free of charge');
    expect(pkg.files).toContain('LICENSE');
  });
  it('repository, homepage and bugs: absent (no public repository yet; a placeholder URL would lie), or all three on one GitHub repository', () => {
    const fields = [pkg.repository, pkg.homepage, pkg.bugs];
    if (fields.every((f) => f === undefined)) return;
    expect(fields, 'repository, homepage and bugs come together').not.toContain(undefined);
    const m = /^git\+(https:\/\/github\.com\/[\w.-]+\/[\w.-]+)\.git$/.exec(pkg.repository?.url ?? '');
    expect(m, pkg.repository?.url).not.toBeNull();
    const base = (m as RegExpExecArray)[1];
    expect(pkg.repository?.type).toBe('git');
    expect(pkg.homepage).toBe(`${base}#readme`);
    expect(pkg.bugs?.url).toBe(`${base}/issues`);
  });
  it("sideEffects lists exactly the modules that act on import (losskit/wasm, Node's 'losskit'), so bundlers keep `import 'losskit/wasm'` and tree-shake the rest", () => {
    expect(Array.isArray(pkg.sideEffects)).toBe(true);
    const globs = (pkg.sideEffects as string[]).map(
      (g) => new RegExp('^' + g.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*') + '$'),
    );
    const listed = (f: string): boolean => globs.some((r) => r.test(f));
    for (const f of [
      './dist/esm/wasm/index.js',
      './dist/cjs/wasm/index.js',
      './dist/esm/index.node.js',
      './dist/cjs/index.node.js',
      './dist/esm/tfjs/index.node.js',
      './dist/cjs/tfjs/index.node.js',
      './src/wasm/index.ts',
      './src/tfjs/index.node.ts',
      './src/index.node.ts',
    ])
      expect(listed(f), f).toBe(true);
    for (const f of [
      './dist/esm/index.js',
      './dist/esm/wasm/runtime.js',
      './dist/esm/losses/define.js',
      './src/index.ts',
    ])
      expect(listed(f), f).toBe(false);
  });
  it("the README's install sentence names exactly the runtime dependencies", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const bullet = /^- The core \(`losskit`\)[\s\S]*?(?=\n- |\n\n)/m.exec(readme);
    expect(bullet, 'README bullet "- The core (`losskit`) …"').not.toBeNull();
    const text = (bullet as RegExpExecArray)[0];
    const deps = Object.keys(pkg.dependencies ?? {}).sort();
    const named = [...text.matchAll(/`([a-z][\w-]*)`/g)].map((x) => x[1]).filter((n) => n in (pkg.dependencies ?? {}));
    expect([...new Set(named)].sort()).toEqual(deps);
    if (deps.length === 0) expect(text).toMatch(/no (runtime )?dependenc/);
  });
});
