// Builds the WASM kernels (src/wasm/binary.ts, the module inlined as base64 for `losskit/wasm`,
// and dist/kernels.wasm, the same bytes as a file: `losskit/kernels.wasm`, for applications that
// fetch it), then dist/esm (ES modules) and dist/cjs (CommonJS), both with type declarations.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildWasm } from './build-wasm.mjs';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
// The WASM SIMD kernels first: src/wasm/binary.ts is generated from asm/*.ts (AssemblyScript).
const wasm = await buildWasm();
if (!existsSync('src/wasm/binary.ts') || readFileSync('src/wasm/binary.ts', 'utf8') !== wasm.text) {
  writeFileSync('src/wasm/binary.ts', wasm.text);
}
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit' });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.cjs.json'], { stdio: 'inherit' });
// dist/cjs holds CommonJS files inside a "type": "module" package: mark the folder.
mkdirSync('dist/cjs', { recursive: true });
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
writeFileSync('dist/kernels.wasm', wasm.bytes);
