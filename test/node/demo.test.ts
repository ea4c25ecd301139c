/**
 * The demo end to end: `losskit demo --quick` (the real CLI, run from freshly transpiled
 * sources in a child process) writes index.html + history.csv + history.json, the report
 * renders every chart in headless Chromium, and bad arguments exit 2 with a clean message.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHistoryFile } from '../../src/node/index.js';
import { inspectReport, launchChromium } from './chromium.js';
import { transpileSrc } from './transpile.js';

let src: ReturnType<typeof transpileSrc>;
let dir: string;
beforeAll(() => {
  src = transpileSrc();
  dir = mkdtempSync(join(tmpdir(), 'losskit-demo-'));
});
afterAll(() => {
  src?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(src.src, 'node', 'cli.js'), ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('losskit demo --quick', () => {
  it('writes the report and both history files, and reaches the quick quality bar', async () => {
    const out = join(dir, 'report');
    const r = await cli(['demo', '--quick', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`PASS: report in ${join(out, 'index.html')}\n`);
    expect(r.stderr).toMatch(
      /sin→cos: validation MSE [\d.e+-]+ \(constant-predictor baseline [\d.]+; bar < 0\.1\) PASS/,
    );
    expect(r.stderr).toMatch(/prior-KL: KL\(prior ‖ mean prediction\) λ=0: [\d.]+, λ=0\.5: [\d.]+, λ=2: [\d.]+/);
    expect(readdirSync(out).sort()).toEqual(['history.csv', 'history.json', 'index.html']);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(3);
    const csv = readHistoryFile(join(out, 'history.csv'));
    const json = readHistoryFile(join(out, 'history.json'));
    expect(csv.complete).toBe(true);
    expect(csv.history.epochs.length).toBe(3);
    expect(csv.history.batches.length).toBe(3 * 8); // 256 windows / batch 32
    expect(json.history.toCSV()).toBe(csv.history.toCSV());

    const chrome = await launchChromium();
    try {
      const page = await inspectReport(chrome.context, join(out, 'index.html'));
      expect(page.errors).toEqual([]);
      expect(page.requests).toEqual([]);
      expect(page.charts.length).toBe(5); // LR finder, loss, LR comparison, prediction, prior-KL
      page.charts.forEach((c, i) => {
        expect(c.width, `chart ${i}`).toBeGreaterThan(100);
        expect(c.paths, `chart ${i}`).toBeGreaterThanOrEqual(2);
        expect(c.minPathLength, `chart ${i}`).toBeGreaterThan(5);
        expect(c.inkRatio, `chart ${i}`).toBeGreaterThan(0.01);
      });
    } finally {
      await chrome.close();
    }
  }, 240_000);
});

describe('losskit CLI arguments', () => {
  for (const [args, message] of [
    [['demo', '--epochs', 'abc'], /epochs must be an integer in \[1, 10000\]; received "abc"/],
    [['demo', '--epochs', '0'], /epochs must be an integer in \[1, 10000\]; received 0/],
    [['demo', '--backend', 'gpu'], /backend must be 'cpu' or 'wasm'; received "gpu"/],
    [['demo', '--bogus'], /unknown option '--bogus'/],
    [['fly'], /unknown command 'fly'/],
  ] as const) {
    it(`${args.join(' ')} → exit 2, clean message, no output`, async () => {
      const out = join(dir, `bad-${args.join('-')}`);
      const r = await cli([...args, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(out)).toBe(false);
    }, 60_000);
  }

  it('--help exits 0 and lists the demo options', async () => {
    const r = await cli(['demo', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--out <dir>/);
    expect(r.stdout).toMatch(/--quick/);
    expect(r.stdout).toMatch(/--epochs <n>/);
  });
});
