/**
 * The core in a browser: test/browser/page.ts (which imports the public entry `src/index.ts`
 * through ./entry.ts) is bundled by esbuild for the browser (ES module, minified, tree-shaken,
 * as an application would ship it), served from a loopback HTTP server, and loaded in headless
 * Chromium (Debian's /usr/bin/chromium driven by playwright-core; a missing Chromium FAILS the
 * test). The page computes losses (value + every gradient element) and metrics (one-shot,
 * streaming in batches, toJSON → restoreMetric → merge); Node computes the same workload from the
 * same seeds. The results must be bit-identical (Object.is on every number): the code path is
 * the same JS in both runtimes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../node/chromium.js';
import { computeAll, type Results } from './entry.js';

type All = ReturnType<typeof computeAll>;

let chromium: { context: BrowserContext; close: () => Promise<void> };
let server: Server;
let base = '';
let bundleBytes = 0;

const HTML =
  '<!DOCTYPE html><html><head><meta charset="utf-8"><title>losskit in the browser</title><link rel="icon" href="data:,">' +
  '<script type="module" src="/page.js"></script></head><body></body></html>';

beforeAll(async () => {
  const r = await build({
    entryPoints: ['test/browser/page.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const js = r.outputFiles[0].text;
  bundleBytes = js.length;
  server = createServer((req, res) => {
    if (req.url === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(js);
    } else if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(HTML);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  chromium = await launchChromium();
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
});

async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await chromium.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${base}/`);
  await page.waitForFunction(() => (globalThis as unknown as { losskitLoaded?: boolean }).losskitLoaded === true);
  return { page, errors };
}

/** Names of the entries whose numbers differ (Object.is: NaN equals NaN, -0 differs from 0). */
function mismatches(a: Results, b: Results): string[] {
  const bad: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k];
    const y = b[k];
    if (x === undefined || y === undefined || x.length !== y.length) {
      bad.push(`${k}: length ${x?.length} vs ${y?.length}`);
      continue;
    }
    let diff = 0;
    let first = -1;
    for (let i = 0; i < x.length; i++)
      if (!Object.is(x[i], y[i])) {
        diff++;
        if (first < 0) first = i;
      }
    if (diff > 0) bad.push(`${k}: ${diff}/${x.length} differ, first [${first}] ${x[first]} vs ${y[first]}`);
  }
  return bad;
}

/**
 * Entries whose code path calls no transcendental Math function (exp, log, pow, …): these must be
 * bit-identical between the page and Node. The other losses go through Math.exp / Math.log, which
 * V8 computes differently in Node 20 (V8 11.3) and in Chromium 156 (up to 1–2 ulp apart on the
 * same input: measured by the libm probe test below), so they are compared at LIBM_TOL.
 */
const EXACT = new Set(['mse', 'mseSum', 'huber', 'dice']);
/** |page − Node| ≤ LIBM_TOL × (largest magnitude in the entry), for every number of an entry. */
const LIBM_TOL = 1e-14;

function worstScaledDiff(a: Results, b: Results): { diff: number; key: string } {
  let worst = { diff: 0, key: '' };
  for (const [k, x] of Object.entries(b)) {
    const y = a[k];
    const scale = Math.max(...x.map(Math.abs), ...y.map(Math.abs));
    for (let i = 0; i < x.length; i++) {
      const d = x[i] === y[i] ? 0 : Math.abs(x[i] - y[i]) / scale;
      if (!(d <= worst.diff)) worst = { diff: d, key: `${k}[${i}]` };
    }
  }
  return worst;
}

describe('the core bundled for the browser, in headless Chromium', () => {
  it('computes the same losses, gradients and metrics as Node (bit-identical where the path is the same)', async () => {
    const node = computeAll();
    const { page, errors } = await openPage();
    const web = await page.evaluate(() =>
      (globalThis as unknown as { losskitPage: { computeAll: () => All } }).losskitPage.computeAll(),
    );
    await page.close();
    expect(errors).toEqual([]);
    // The workload is not empty and not degenerate.
    expect(Object.keys(node.results64).length).toBeGreaterThanOrEqual(18);
    expect(Object.keys(node.metrics).length).toBeGreaterThanOrEqual(14);
    for (const set of [node.results64, node.results32, node.metrics])
      for (const [k, v] of Object.entries(set)) {
        expect(v.length, k).toBeGreaterThan(0);
        expect(
          v.every((x) => Number.isFinite(x)),
          `${k} is finite`,
        ).toBe(true);
      }
    // Paths without Math.exp/log/pow/…: bit-identical. The rest: within the engines' libm difference.
    const exact = (r: Results): Results => Object.fromEntries(Object.entries(r).filter(([k]) => EXACT.has(k)));
    expect(mismatches(exact(web.results64), exact(node.results64))).toEqual([]);
    expect(mismatches(exact(web.results32), exact(node.results32))).toEqual([]);
    expect(mismatches(web.metrics, node.metrics)).toEqual([]);
    const worst64 = worstScaledDiff(web.results64, node.results64);
    const worst32 = worstScaledDiff(web.results32, node.results32);
    console.log(
      `largest page-vs-Node difference, scaled by the entry's magnitude: float64 ${worst64.diff} (${worst64.key}), float32 inputs ${worst32.diff} (${worst32.key})`,
    );
    expect(worst64.diff).toBeLessThanOrEqual(LIBM_TOL);
    expect(worst32.diff).toBeLessThanOrEqual(LIBM_TOL);
  });

  it("libm probe: the page's Math.exp/log differ from Node's by at most 2 ulp (why LIBM_TOL)", async () => {
    const probe = (): Record<string, number[]> => {
      const xs = Array.from({ length: 20001 }, (_, i) => (i - 10000) / 337.1);
      return {
        exp: xs.map(Math.exp),
        log: xs.map((x) => Math.log(Math.abs(x) + 1e-3)),
        log1p: xs.map((x) => Math.log1p(Math.abs(x))),
        pow: xs.map((x) => Math.pow(Math.abs(x), 0.37)),
      };
    };
    const { page } = await openPage();
    const web = await page.evaluate(probe);
    await page.close();
    const node = probe();
    const bits = (x: number): bigint => new BigInt64Array(new Float64Array([x]).buffer)[0];
    const summary: string[] = [];
    for (const k of Object.keys(node)) {
      let differ = 0;
      let maxUlp = 0n;
      for (let i = 0; i < node[k].length; i++) {
        const d = bits(node[k][i]) - bits(web[k][i]);
        const a = d < 0n ? -d : d;
        if (a > 0n) differ++;
        if (a > maxUlp) maxUlp = a;
      }
      summary.push(`${k}: ${differ}/${node[k].length} differ, max ${maxUlp} ulp`);
      expect(maxUlp <= 2n, `${k}: max ${maxUlp} ulp`).toBe(true);
    }
    console.log(`Math in Chromium vs Node ${process.versions.node}: ${summary.join('; ')}`);
  });

  it('streaming metrics (batches, JSON round trip, restore + merge) equal the one-shot values', () => {
    const m = computeAll().metrics;
    expect(m.streamF1Macro).toEqual(m.f1Macro);
    expect(m.streamAuroc).toEqual(m.auroc);
    expect(m.restoredAuroc).toEqual(m.auroc);
    expect(m.mergedRestoredF1).toEqual(m.f1Macro);
    expect(Math.abs(m.streamR2[0] - m.r2Score[0])).toBeLessThan(1e-12);
    console.log(`page bundle (whole workload, minified): ${bundleBytes} B`);
  });
});
