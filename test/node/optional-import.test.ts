/**
 * Optional packages (src/node/optional.ts), through the built package as users load it:
 * - the CommonJS build reads Parquet (hyparquet is an ES module only) on a Node without
 *   `require()` of ES modules (`--no-experimental-require-module`, the behaviour before Node
 *   20.19): the same results as the ES module build. Before, it said "needs the optional package
 *   'hyparquet': npm install hyparquet" with hyparquet installed;
 * - a package that is not installed is named as such, with the hint;
 * - a package that is installed but fails to load (it throws, or a package it imports is missing)
 *   is reported with its cause, never as "not installed".
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'losskit-optional-'));

/** Runs a script with Node (`flags` first), its stdout parsed as JSON. */
function node(flags: string[], kind: 'cjs' | 'mjs', script: string): unknown {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.${kind}`);
  writeFileSync(file, script);
  const r = spawnSync(process.execPath, [...flags, file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as unknown;
}

describe('the CommonJS build loads ES-module-only optional packages', () => {
  it('reads Parquet without require() of ES modules, as the ES module build does', () => {
    const n = 3000;
    const y = Int32Array.from({ length: n }, (_, i) => ((i * 7919) % 3 === 0 ? 1 : 0));
    const p = Float64Array.from({ length: n }, (_, i) => ((i * 104729) % 1000) / 1000);
    const file = join(dir, 'scores.parquet');
    writeFileSync(
      file,
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: 'y_true', data: y, type: 'INT32' },
            { name: 'y_pred', data: p, type: 'DOUBLE' },
          ],
        }),
      ),
    );
    const print = `.then((r) => console.log(JSON.stringify(r.results)), (e) => { console.error(e.message); process.exit(1); })`;
    const cjs = node(
      ['--no-experimental-require-module'],
      'cjs',
      `require(${JSON.stringify(join(root, 'dist/cjs/node/index.js'))}).evaluateFile(${JSON.stringify(file)})${print};`,
    );
    const esm = node(
      [],
      'mjs',
      `import { evaluateFile } from ${JSON.stringify(pathToFileURL(join(root, 'dist/esm/node/index.js')).href)};\n` +
        `evaluateFile(${JSON.stringify(file)})${print};`,
    );
    expect(Array.isArray(esm) && esm.length).toBeGreaterThan(3);
    expect(cjs).toEqual(esm);
  });
});

describe('importOptional: not installed, or installed and failing', () => {
  const optional = JSON.stringify(pathToFileURL(join(root, 'dist/esm/node/optional.js')).href);
  writeFileSync(join(dir, 'throws.mjs'), `throw new Error('boom at load');\n`);
  writeFileSync(join(dir, 'needs-missing.mjs'), `import 'losskit-test-absent-dependency';\n`);
  const outcome = (args: string) =>
    node(
      [],
      'mjs',
      `import { importOptional } from ${optional};\n` +
        `importOptional(${args}).then(() => console.log('null'), (e) => console.log(JSON.stringify({ name: e.name, message: e.message })));`,
    ) as { name: string; message: string } | null;

  it('a package that is not installed: its name, what needs it and how to install it', () => {
    expect(outcome(`'losskit-test-absent-package', 'reading X files needs', 'npm install it'`)).toEqual({
      name: 'MissingDependencyError',
      message:
        "reading X files needs the optional package 'losskit-test-absent-package', which is not installed. npm install it",
    });
  });

  it('a package that throws while loading: installed, failed to load, with the cause', () => {
    const url = JSON.stringify(pathToFileURL(join(dir, 'throws.mjs')).href);
    const r = outcome(`'throws-pkg', 'X needs', 'hint', () => import(${url})`);
    expect(r?.name).toBe('MissingDependencyError');
    expect(r?.message).toBe(
      "X needs the optional package 'throws-pkg', which is installed but failed to load: boom at load",
    );
  });

  it('a package whose own dependency is missing is not reported as itself missing', () => {
    const url = JSON.stringify(pathToFileURL(join(dir, 'needs-missing.mjs')).href);
    const r = outcome(`'needs-missing', 'X needs', 'hint', () => import(${url})`);
    expect(r?.message).toMatch(
      /^X needs the optional package 'needs-missing', which is installed but failed to load: Cannot find package 'losskit-test-absent-dependency'/,
    );
  });
});
