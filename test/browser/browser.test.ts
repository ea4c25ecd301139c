/**
 * The core in a browser: two page scripts (./page-wasm.ts, which imports `losskit/wasm`, and
 * ./page-core.ts, which does not; both reach the public entry `src/index.ts` through ./entry.ts)
 * are bundled by esbuild for the browser (ES module, minified, tree-shaken, as an application
 * would ship them), served from a loopback HTTP server with the kernels' module as a file
 * (`/kernels.wasm`, what the package ships as `losskit/kernels.wasm`), and loaded in headless
 * Chromium (Debian's /usr/bin/chromium driven by playwright-core; a missing Chromium FAILS the
 * test). The page computes losses (value + every gradient element, float64 and float32 inputs,
 * arena inputs) and metrics (one-shot, streaming in batches, toJSON → restoreMetric → merge);
 * Node computes the same workload from the same seeds, once per backend.
 *
 * Five pages, for the ways a browser meets the WASM kernels:
 * - the core alone: its bundle carries no kernel bytes, losses compute with the JS kernels;
 *   `initWasm()` without a module resolves false and says what to do; `await
 *   initWasm(fetch('/kernels.wasm'))` compiles the fetched module asynchronously (also where the
 *   synchronous compile is refused), and from then on the WASM kernels compute, as in Node;
 * - `losskit/wasm` imported: this Chromium accepts a synchronous compile on the main thread, so
 *   the first loss call compiles the inlined kernels and uses them;
 * - a page where the synchronous compile is refused (as browsers with the 4 KB main-thread limit
 *   do: emulated by an init script that makes `new WebAssembly.Module` throw their RangeError):
 *   the JS kernels compute until `await initWasm()`, then the WASM kernels;
 * - a page whose Content-Security-Policy forbids WebAssembly (no 'wasm-unsafe-eval': a real
 *   refusal by Chromium): initWasm() resolves false and the JS kernels compute everything.
 * Page and Node must agree: bit-identical where the code path is the same and calls no
 * engine-provided transcendental (metrics, exp/log-free losses, the WASM kernels, which carry
 * their own exp/log), within LIBM_TOL elsewhere (Node 20's and Chromium's Math.exp/log differ by
 * ≤ 1 ulp, measured by the libm probe).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../node/chromium.js';
import { WASM_BASE64 } from '../../src/wasm/binary.js';
import { computeAll, initWasm, setBackend, getBackend, type Results } from './entry.js';
import type { PageApi } from './page.js';

type All = ReturnType<typeof computeAll>;
interface PageRun {
  variant: string;
  /** Core page: `initWasm()` without a module, before `initWasm(fetch(...))`. */
  noModule: { ok: boolean; error: string | null } | null;
  /** Core page: `initWasm(fetch(a missing file))`, and the error code of `initWasm(42)`. */
  badModule: { ok: boolean; error: string | null; wrongType: string } | null;
  loaded0: boolean;
  first: All;
  loaded1: boolean;
  ok: boolean;
  after: All;
  loaded2: boolean;
  js: All;
  error: string | null;
}

let chromium: { context: BrowserContext; close: () => Promise<void> };
let server: Server;
let base = '';
let bundleBytes = 0;
/** The two page scripts, minified. */
const scripts: Record<'core' | 'wasm', string> = { core: '', wasm: '' };
/** The kernels' module as a file (the bytes `losskit/kernels.wasm` holds). */
const kernelsWasm = Buffer.from(WASM_BASE64, 'base64');

const html = (script: string): string =>
  '<!DOCTYPE html><html><head><meta charset="utf-8"><title>losskit in the browser</title><link rel="icon" href="data:,">' +
  `<script type="module" src="/${script}"></script></head><body></body></html>`;

beforeAll(async () => {
  for (const v of ['core', 'wasm'] as const) {
    const r = await build({
      entryPoints: [`test/browser/page-${v}.ts`],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    scripts[v] = r.outputFiles[0].text;
  }
  bundleBytes = scripts.wasm.length;
  server = createServer((req, res) => {
    if (req.url === '/csp.html') {
      // No 'wasm-unsafe-eval': the page may run its own scripts but not compile WebAssembly.
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "script-src 'self'",
      });
      res.end(html('page-wasm.js'));
    } else if (req.url === '/page-wasm.js' || req.url === '/page-core.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(req.url === '/page-wasm.js' ? scripts.wasm : scripts.core);
    } else if (req.url === '/kernels.wasm') {
      res.writeHead(200, { 'content-type': 'application/wasm' });
      res.end(kernelsWasm);
    } else if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html('page-wasm.js'));
    } else if (req.url === '/core.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html('page-core.js'));
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

/** What Chromium ≤ 114 (and other browsers with the 4 KB main-thread limit) throws. */
const REFUSE_SYNC_COMPILE = `(() => {
  const M = WebAssembly.Module;
  WebAssembly.Module = function (bytes) {
    if (bytes.byteLength > 4096) throw new RangeError('WebAssembly.Module(): Buffer size is larger than 4KB. Use WebAssembly.compile, or compile on a worker thread.');
    return new M(bytes);
  };
  globalThis.__syncRefused = true;
})();`;

async function openPage(path = '/', initScript?: string): Promise<{ page: Page; errors: string[] }> {
  const page = await chromium.context.newPage();
  if (initScript !== undefined) await page.addInitScript(initScript);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${base}${path}`);
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

/**
 * The page's run: backend state, results before and after initWasm() (with the module fetched from
 * `moduleUrl` when given: `initWasm(fetch(moduleUrl))`, after a first `initWasm()` without it),
 * and with setBackend('js').
 */
async function runPage(
  path: string,
  initScript?: string,
  moduleUrl: string | null = null,
): Promise<PageRun & { errors: string[] }> {
  const { page, errors } = await openPage(path, initScript);
  const run = await page.evaluate(async (url: string | null): Promise<PageRun> => {
    const lk = (globalThis as unknown as { losskitPage: PageApi }).losskitPage;
    const loaded0 = lk.getBackend().wasmLoaded;
    const first = lk.computeAll();
    const loaded1 = lk.getBackend().wasmLoaded;
    let noModule: PageRun['noModule'] = null;
    let badModule: PageRun['badModule'] = null;
    if (url !== null) {
      noModule = { ok: await lk.initWasm(), error: lk.getBackend().error };
      let wrongType = 'no error';
      try {
        void lk.initWasm(42 as unknown as ArrayBuffer);
      } catch (e) {
        wrongType = `${(e as { name?: string }).name ?? '?'} ${(e as { code?: string }).code ?? '?'}`;
      }
      const ok404 = await lk.initWasm(fetch('/missing.wasm'));
      badModule = { ok: ok404, error: lk.getBackend().error, wrongType };
    }
    const ok = url === null ? await lk.initWasm() : await lk.initWasm(fetch(url));
    const after = lk.computeAll();
    const loaded2 = lk.getBackend().wasmLoaded;
    const prev = lk.setBackend('js');
    const js = lk.computeAll();
    lk.setBackend(prev);
    return {
      variant: lk.variant,
      noModule,
      badModule,
      loaded0,
      first,
      loaded1,
      ok,
      after,
      loaded2,
      js,
      error: lk.getBackend().error,
    };
  }, moduleUrl);
  await page.close();
  return { ...run, errors };
}

/**
 * Page vs Node on one workload: the mismatches among the entries that must be bit-identical
 * (EXACT, the metrics, the arena, and `wasmKeys`: the float32 entries computed by the WASM
 * kernels in both runs) and the worst scaled difference over all losses.
 */
function compare(
  web: All,
  node: All,
  wasmKeys: Set<string>,
): { exact: string[]; worst: { diff: number; key: string } } {
  const pick = (r: Results, keys: Set<string>): Results =>
    Object.fromEntries(Object.entries(r).filter(([k]) => keys.has(k)));
  const exact32 = new Set([...EXACT, ...wasmKeys]);
  const exact = [
    ...mismatches(pick(web.results64, EXACT), pick(node.results64, EXACT)),
    ...mismatches(pick(web.results32, exact32), pick(node.results32, exact32)),
    ...mismatches(web.metrics, node.metrics),
    ...mismatches(web.arena, node.arena),
  ];
  const a = worstScaledDiff(web.results64, node.results64);
  const b = worstScaledDiff(web.results32, node.results32);
  return { exact, worst: a.diff >= b.diff ? a : b };
}

/** Entries whose numbers differ at all between two runs. */
function differing(a: Results, b: Results): string[] {
  return Object.keys(a).filter((k) => mismatches({ [k]: a[k] }, { [k]: b[k] }).length > 0);
}

describe('the core bundled for the browser, in headless Chromium', () => {
  let nodeWasm: All;
  let nodeJs: All;
  /** float32 entries the WASM kernels compute (they differ from the JS kernels' results). */
  let wasmKeys: Set<string>;

  beforeAll(async () => {
    expect(await initWasm()).toBe(true);
    setBackend('auto');
    nodeWasm = computeAll();
    expect(getBackend().wasmLoaded).toBe(true);
    const prev = setBackend('js');
    nodeJs = computeAll();
    setBackend(prev);
    wasmKeys = new Set(differing(nodeWasm.results32, nodeJs.results32));
  });

  it('Node: the workload is not degenerate, the WASM kernels run where documented and agree with JS within 2e-6', () => {
    expect(Object.keys(nodeWasm.results64).length).toBeGreaterThanOrEqual(18);
    expect(Object.keys(nodeWasm.metrics).length).toBeGreaterThanOrEqual(14);
    for (const set of [nodeWasm.results64, nodeWasm.results32, nodeWasm.metrics, nodeWasm.arena, nodeJs.results32])
      for (const [k, v] of Object.entries(set)) {
        expect(v.length, k).toBeGreaterThan(0);
        expect(
          v.every((x) => Number.isFinite(x)),
          `${k} is finite`,
        ).toBe(true);
      }
    // docs/API.md: WASM for float32 BCE (both modes), BCE-with-logits (no posWeight), sigmoidFocal,
    // klDivergence, crossEntropy (class axis last); MSE/Huber for arena inputs only.
    for (const k of ['bce', 'bceLogits', 'sigmoidFocal', 'klDivergence', 'crossEntropy', 'crossEntropyWeighted'])
      expect(wasmKeys.has(k), `${k} runs on WASM`).toBe(true);
    for (const k of ['mse', 'huber', 'ctc', 'dice', 'bceLogitsPosWeight'])
      expect(wasmKeys.has(k), `${k} on JS`).toBe(false);
    expect(differing(nodeWasm.results64, nodeJs.results64)).toEqual([]); // float64 inputs: JS always
    expect(differing(nodeWasm.metrics, nodeJs.metrics)).toEqual([]);
    console.log(`float32 entries on the WASM kernels: ${[...wasmKeys].join(', ')}`);
    const w = worstScaledDiff(nodeWasm.results32, nodeJs.results32);
    console.log(`Node, WASM vs JS kernels (float32 inputs): worst ${w.diff} of the entry's scale (${w.key})`);
    expect(w.diff).toBeLessThanOrEqual(2e-6);
    // Arena inputs route MSE/Huber to WASM too: same as the ordinary arrays within 2e-6.
    const ar = nodeWasm.arena;
    expect(ar.arenaValid).toEqual([1]);
    const arenaVsHeap = worstScaledDiff({ m: ar.mseArena, h: ar.huberArena }, { m: ar.mseHeap, h: ar.huberHeap });
    expect(arenaVsHeap.diff).toBeLessThanOrEqual(2e-6);
  });

  it("the page scripts: the core's bundle has no kernel bytes, 'losskit/wasm' brings them, /kernels.wasm is the module", () => {
    expect(scripts.core.includes('AGFzbQ')).toBe(false); // "\\0asm" in base64
    expect(scripts.wasm.includes('AGFzbQ')).toBe(true);
    expect(kernelsWasm.subarray(0, 4).toString('latin1')).toBe('\0asm');
  });

  for (const refuse of [false, true])
    it(`core page${refuse ? ' refusing the synchronous compile' : ''}: JS kernels until await initWasm(fetch('/kernels.wasm')), then WASM, as Node`, async () => {
      const run = await runPage('/core.html', refuse ? REFUSE_SYNC_COMPILE : undefined, '/kernels.wasm');
      // Chromium logs the deliberate fetch of /missing.wasm; nothing else may fail.
      expect(run.errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
      expect(run.variant).toBe('core');
      expect(run.loaded0).toBe(false);
      expect(run.loaded1).toBe(false); // no module in the bundle: the first call used the JS kernels
      expect(run.first.arena).toEqual({}); // and no arena exists without the kernels
      // initWasm() without a module: false, and the error says how to get one.
      expect(run.noModule?.ok).toBe(false);
      expect(run.noModule?.error).toMatch(/losskit\/wasm/);
      // A failed fetch resolves false with the HTTP status; a non-module argument is a LosskitError.
      expect(run.badModule?.ok).toBe(false);
      expect(run.badModule?.error).toMatch(/HTTP 404/);
      expect(run.badModule?.wrongType).toBe('LosskitError INVALID_INPUT');
      expect(run.ok).toBe(true); // the fetched module compiled asynchronously
      expect(run.loaded2).toBe(true);
      expect(run.error).toBeNull();
      const before = compare(run.first, { ...nodeJs, arena: {} }, new Set());
      expect(before.exact).toEqual([]);
      expect(before.worst.diff).toBeLessThanOrEqual(LIBM_TOL);
      const after = compare(run.after, nodeWasm, wasmKeys);
      console.log(
        `core page, after initWasm(fetch): worst page-vs-Node difference ${after.worst.diff} (${after.worst.key})`,
      );
      expect(after.exact).toEqual([]);
      expect(after.worst.diff).toBeLessThanOrEqual(LIBM_TOL);
      const js = compare(run.js, nodeJs, new Set());
      expect(js.exact).toEqual([]);
      expect(js.worst.diff).toBeLessThanOrEqual(LIBM_TOL);
      expect(differing(run.first.results32, run.after.results32).sort()).toEqual([...wasmKeys].sort());
    });

  it("'losskit/wasm' page: computes the same losses, gradients and metrics as Node (bit-identical where the path is the same)", async () => {
    const run = await runPage('/');
    expect(run.errors).toEqual([]);
    expect(run.variant).toBe('wasm');
    expect(run.loaded0).toBe(false); // nothing is compiled before the first loss call
    expect(run.ok).toBe(true);
    expect(run.loaded2).toBe(true);
    // This Chromium accepts the synchronous compile on the main thread: the first call used WASM.
    console.log(`Chromium main thread: synchronous compile of the kernels ${run.loaded1 ? 'accepted' : 'refused'}`);
    const none = new Set<string>();
    for (const [name, web, node, keys] of [
      ['first call', run.first, run.loaded1 ? nodeWasm : nodeJs, run.loaded1 ? wasmKeys : none],
      ['after initWasm', run.after, nodeWasm, wasmKeys],
      ["setBackend('js')", run.js, nodeJs, none],
    ] as const) {
      const c = compare(web, node, keys);
      console.log(
        `plain page, ${name}: worst page-vs-Node difference ${c.worst.diff} of the entry's scale (${c.worst.key})`,
      );
      expect(c.exact, name).toEqual([]);
      expect(c.worst.diff, name).toBeLessThanOrEqual(LIBM_TOL);
    }
  });

  it('page refusing the synchronous compile: JS kernels (correct) until await initWasm(), then WASM, as Node', async () => {
    const run = await runPage('/', REFUSE_SYNC_COMPILE);
    expect(run.errors).toEqual([]);
    expect(run.loaded0).toBe(false);
    expect(run.loaded1).toBe(false); // refused: the first call fell back to the JS kernels …
    expect(run.first.arena).toEqual({}); // … and no arena exists without the kernels
    expect(run.ok).toBe(true); // the asynchronous compile is allowed
    expect(run.loaded2).toBe(true);
    expect(run.error).toBeNull(); // the successful initWasm() clears the earlier refusal
    const before = compare(run.first, { ...nodeJs, arena: {} }, new Set());
    expect(before.exact).toEqual([]);
    expect(before.worst.diff).toBeLessThanOrEqual(LIBM_TOL);
    const after = compare(run.after, nodeWasm, wasmKeys);
    expect(after.exact).toEqual([]);
    expect(after.worst.diff).toBeLessThanOrEqual(LIBM_TOL);
    // and the fallback really was the JS path: the WASM-routed entries changed at initWasm().
    expect(differing(run.first.results32, run.after.results32).sort()).toEqual([...wasmKeys].sort());
  });

  it("page whose CSP forbids WebAssembly: initWasm() resolves false, every result is the JS kernels', as Node", async () => {
    const run = await runPage('/csp.html');
    expect(run.ok).toBe(false);
    expect(run.loaded1).toBe(false);
    expect(run.loaded2).toBe(false);
    expect(run.error).not.toBeNull();
    console.log(`CSP page: getBackend().error = ${run.error}`);
    // Chromium reports the CSP violation on the console; nothing else may fail.
    expect(run.errors.filter((e) => !/unsafe-eval|Content Security Policy/i.test(e))).toEqual([]);
    for (const web of [run.first, run.after, run.js]) {
      const c = compare(web, { ...nodeJs, arena: {} }, new Set());
      expect(c.exact).toEqual([]);
      expect(c.worst.diff).toBeLessThanOrEqual(LIBM_TOL);
    }
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
    const m = nodeWasm.metrics;
    expect(m.streamF1Macro).toEqual(m.f1Macro);
    expect(m.streamAuroc).toEqual(m.auroc);
    expect(m.restoredAuroc).toEqual(m.auroc);
    expect(m.mergedRestoredF1).toEqual(m.f1Macro);
    expect(Math.abs(m.streamR2[0] - m.r2Score[0])).toBeLessThan(1e-12);
    console.log(`page bundle (whole workload, minified): ${bundleBytes} B`);
    expect(bundleBytes).toBeGreaterThan(10_000);
  });
});
