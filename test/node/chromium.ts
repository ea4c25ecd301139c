/**
 * Headless Chromium for the rendering tests: Debian's /usr/bin/chromium driven by
 * playwright-core, with a fresh user-data dir. Missing Chromium is a test FAILURE (CI installs
 * it in .ci/run), never a silent skip.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  expect(
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does this in CI`,
  ).toBe(true);
  const userData = mkdtempSync(join(tmpdir(), 'losskit-chromium-'));
  // playwright passes --user-data-dir itself for a persistent context.
  const context = await chromium.launchPersistentContext(userData, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1200, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userData, { recursive: true, force: true });
    },
  };
}

/** Counts pixels that are not (near-)white in a PNG, decoded by the browser itself. */
export async function nonWhitePixels(page: Page, png: Buffer): Promise<{ total: number; nonWhite: number }> {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d') as CanvasRenderingContext2D;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let nonWhite = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235) nonWhite++;
    return { total: d.length / 4, nonWhite };
  }, png.toString('base64'));
}

export interface ChartCheck {
  width: number;
  height: number;
  paths: number;
  minPathLength: number;
  inkRatio: number;
}

/** Opens an HTML file and measures every <svg>: box, data paths, and ink in its screenshot. */
export async function inspectReport(
  context: BrowserContext,
  file: string,
): Promise<{ title: string; pageInk: number; charts: ChartCheck[]; requests: string[]; errors: string[] }> {
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`file://${file}`);
  const title = await page.title();
  const shot = await page.screenshot({ fullPage: true });
  const all = await nonWhitePixels(page, shot);
  const charts: ChartCheck[] = [];
  for (const svg of await page.$$('svg')) {
    const info = await svg.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const paths = Array.from(el.querySelectorAll('path[data-series]')) as SVGPathElement[];
      const lengths = paths.map((p) => {
        const b = p.getBBox();
        // A point series has a short total length per point but a real box.
        return Math.max(p.getTotalLength(), b.width + b.height);
      });
      return {
        width: r.width,
        height: r.height,
        paths: paths.length,
        minPathLength: lengths.length ? Math.min(...lengths) : 0,
      };
    });
    const px = await nonWhitePixels(page, await svg.screenshot());
    charts.push({ ...info, inkRatio: px.nonWhite / px.total });
  }
  await page.close();
  return { title, pageInk: all.nonWhite / all.total, charts, requests, errors };
}
