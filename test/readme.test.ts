/**
 * The README's examples are real: every ```js block runs (against the built package, imported as
 * 'losskit'), and every line of the form `expression; // <number>` is checked to produce that number.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..');
const dir = join(root, '.tmp-readme-test');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

/** Rewrites `expr; // 1.234` lines into checks of the printed value. */
function instrument(code: string): { code: string; checks: number } {
  let checks = 0;
  const out = code.split('\n').map((line) => {
    const m = /^(?!\s*(?:console\.log|const|let|import|\/\/))(.+?);\s*\/\/\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)(?=\s|$)/.exec(
      line,
    );
    if (!m) return line;
    checks++;
    return `__check(${m[1]}, ${m[2]}, ${JSON.stringify(m[1].trim())});`;
  });
  const prelude = `const __check = (v, want, src) => { if (typeof v !== 'number' || !(Math.abs(v - want) <= 1e-12 + 1e-9 * Math.abs(want))) { throw new Error('README: ' + src + ' gave ' + v + ', the README says ' + want); } };\n`;
  return { code: prelude + out.join('\n'), checks };
}

describe('README examples', () => {
  mkdirSync(dir, { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('has runnable examples with checked values', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const total = blocks.map((b) => instrument(b).checks).reduce((s, c) => s + c, 0);
    expect(total).toBeGreaterThanOrEqual(10);
  });
  blocks.forEach((block, i) => {
    it(`block ${i + 1} runs and prints what the README says`, () => {
      const { code } = instrument(block);
      const file = join(dir, `block${i + 1}.mjs`);
      writeFileSync(file, code);
      execFileSync(process.execPath, [file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    }, 120_000);
  });
});
