/**
 * The docs are real: every ```js block of README.md and docs/*.md runs (as an ES module, against
 * the built package imported as 'losskit' / 'losskit/tfjs' / 'losskit/node'), and every line of
 * the form `expression; // <value>` is checked to produce that value:
 *
 * - a number (`// 0.75`): equal to 1e-9 relative; with a trailing ellipsis (`// 0.8333…`) the
 *   result must start with those digits (|v − value| < 10^-decimals);
 * - a JSON array (`// [0.5, 1]`, nested too): element-wise the same way;
 * - `true` / `false`, or a quoted string (`// '█▄▂▁▁'`): equal.
 *
 * ```ts blocks are TypeScript-only snippets (fragments that need the reader's own model / data):
 * they are listed, not executed. ```sh and unlabelled blocks are ignored. To add a page, just
 * add docs/<name>.md; nothing to register here.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..');
const dir = join(root, '.tmp-docs-test');
const files = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

interface Block {
  file: string;
  line: number;
  lang: string;
  code: string;
}

function blocksOf(file: string): Block[] {
  const text = readFileSync(join(root, file), 'utf8');
  const out: Block[] = [];
  for (const m of text.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)) {
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ file, line, lang: m[1], code: m[2] });
  }
  return out;
}

const NUM = String.raw`-?\d+(?:\.\d+)?(?:e[-+]?\d+)?…?`;
const VALUE = new RegExp(String.raw`^(${NUM}|\[.*\]|true|false|'[^']*')(?=\s|$)`);

/** Parses the value after `//`, or null when it is prose, not a checkable value. */
function parseValue(s: string): { want: unknown; approx: number | null } | null {
  const m = VALUE.exec(s.trim());
  if (!m) return null;
  const v = m[1];
  if (v === 'true' || v === 'false') return { want: v === 'true', approx: null };
  if (v.startsWith("'")) return { want: v.slice(1, -1), approx: null };
  if (v.endsWith('…')) {
    const decimals = (v.split('.')[1] ?? '').length - 1;
    return { want: Number(v.slice(0, -1)), approx: Math.pow(10, -decimals) };
  }
  if (v.startsWith('[')) {
    try {
      return { want: JSON.parse(v) as unknown, approx: null };
    } catch {
      return null;
    }
  }
  return { want: Number(v), approx: null };
}

/** Rewrites `expr; // value` lines into checks of the value. */
export function instrument(b: Block): { code: string; checks: number } {
  let checks = 0;
  const out = b.code.split('\n').map((line, i) => {
    const m =
      /^(?!\s*(?:console\.log|const |let |var |import |\/\/|for |if |await [a-z]+\.fit))(.+?);\s*\/\/(.*)$/.exec(line);
    if (!m) return line;
    const v = parseValue(m[2]);
    if (v === null) return line;
    checks++;
    const where = `${b.file}:${b.line + 1 + i}`;
    return `__check(${m[1]}, ${JSON.stringify(v.want)}, ${v.approx}, ${JSON.stringify(`${where}: ${m[1].trim()}`)});`;
  });
  const prelude = `const __same = (v, w, approx) => {
  if (typeof w === 'number') return typeof v === 'number' && (approx === null ? Math.abs(v - w) <= 1e-12 + 1e-9 * Math.abs(w) : Math.abs(v - w) < approx);
  if (Array.isArray(w)) return (Array.isArray(v) || ArrayBuffer.isView(v)) && v.length === w.length && w.every((x, i) => __same(v[i], x, approx));
  return v === w;
};
const __check = (v, want, approx, src) => { if (!__same(v, want, approx)) throw new Error(src + ' gave ' + JSON.stringify(v) + ', the docs say ' + JSON.stringify(want)); };
`;
  return { code: prelude + out.join('\n'), checks };
}

const all = files.flatMap(blocksOf);
const js = all.filter((b) => b.lang === 'js');
const ts = all.filter((b) => b.lang === 'ts');

describe('docs examples', () => {
  mkdirSync(dir, { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('README and docs have runnable examples with checked values', () => {
    expect(js.length).toBeGreaterThanOrEqual(20);
    const total = js.map((b) => instrument(b).checks).reduce((s, c) => s + c, 0);
    expect(total).toBeGreaterThanOrEqual(40);
  });
  it('the value checks can fail', () => {
    const { code, checks } = instrument({ file: 'x.md', line: 0, lang: 'js', code: 'Math.sqrt(2); // 1.5\n' });
    expect(checks).toBe(1);
    const file = join(dir, 'fail.mjs');
    writeFileSync(file, code);
    expect(() => execFileSync(process.execPath, [file], { stdio: 'pipe' })).toThrow(/the docs say 1.5/);
  });
  it(`${ts.length} TypeScript-only blocks are marked \`\`\`ts (not executed)`, () => {
    for (const b of ts) expect(b.code.length, `${b.file}:${b.line}`).toBeGreaterThan(0);
  });
  js.forEach((b, i) => {
    it(`${b.file}:${b.line} runs and prints what it says`, () => {
      const { code } = instrument(b);
      const file = join(dir, `block${i + 1}.mjs`);
      writeFileSync(file, code);
      try {
        execFileSync(process.execPath, [file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
      } catch (e) {
        const err = e as { stderr?: Buffer };
        throw new Error(
          `${b.file}:${b.line}: ${String(err.stderr ?? e)
            .split('\n')
            .filter((l) => /Error|docs say/.test(l))
            .slice(0, 3)
            .join('\n')}`,
          { cause: e },
        );
      }
    }, 120_000);
  });
});
