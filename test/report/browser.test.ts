import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASELINE_JSON, decodeBaseline, type Baseline } from '../../src/ml/baseline.js';
import { formatNumber } from '../../src/core/report/format.js';
import { REPORT_SECTIONS } from '../../src/core/report/page.js';
import { missingTool } from '../support/tools.js';
import { tempDir } from '../support/temp-dir.js';
import { irisProject, ok, withBaseline } from './fixture.js';

/**
 * The report as a person sees it: rendered by headless Chromium (Debian's, driven by playwright-core),
 * with every request the page makes counted and blocked, for versions trained for real in this file.
 */

const chromiumMissing = missingTool('chromium', ['--version']);
const dir = tempDir('mlops-report-browser-');
const { mlops, registry } = irisProject(dir);
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** A4 (297 mm) less the report's 14 mm print margins, in CSS pixels. */
const PRINTED_PAGE_HEIGHT = ((297 - 2 * 14) / 25.4) * 96;

interface Written {
  path: string;
  bytes: number;
  versions: string[];
}

let browser: BrowserContext | undefined;
let single: Written & { version: string; baseline: Baseline; realBaseline: boolean };
let compared: Written;

/** Opens a file in a new tab; every request but the page itself is blocked and remembered. */
async function open(file: string): Promise<{ page: Page; requests: string[]; loadMs: number }> {
  if (!browser) throw new Error('chromium did not start');
  const page = await browser.newPage();
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  page.on('request', (request) => {
    if (request.url() !== url) requests.push(request.url());
  });
  await page.route('**/*', (route) =>
    route.request().url() === url ? route.continue() : route.abort('blockedbyclient'),
  );
  await page.goto(url, { waitUntil: 'load' });
  // navigation start to the end of the load event (a string: the tests are compiled without the DOM lib)
  const loadMs = (await page.evaluate(
    "(() => { const [n] = performance.getEntriesByType('navigation'); return n ? n.loadEventEnd - n.startTime : NaN; })()",
  )) as number;
  return { page, requests, loadMs };
}

/** Every chart is an <svg role="img"> drawn at a size: visible, with a box of non-zero width and height. */
async function expectChartsVisible(page: Page, count: number): Promise<void> {
  const charts = page.locator('svg[role="img"]');
  expect(await charts.count()).toBe(count);
  for (const chart of await charts.all()) {
    expect(await chart.isVisible()).toBe(true);
    const box = await chart.boundingBox();
    expect(box?.width).toBeGreaterThan(0);
    expect(box?.height).toBeGreaterThan(0);
    expect(await chart.getAttribute('aria-label')).toBeTruthy();
  }
}

async function screenshot(page: Page, name: string): Promise<number> {
  const file = path.join(dir, name);
  await page.screenshot({ path: file, fullPage: true });
  return statSync(file).size;
}

const report = async (args: readonly string[]): Promise<Written> =>
  ok(await mlops(['models', 'report', ...args, '--json'])).json<Written>();

beforeAll(async () => {
  if (chromiumMissing) return;
  ok(await mlops(['train', '--local', '--json', '--param', 'epochs=6']));
  ok(await mlops(['train', '--local', '--json', '--param', 'epochs=4', '--param', 'learningRate=0.05']));
  const { version, real } = await withBaseline(registry, 'v1.1');
  const manifest = await registry.manifest(version);
  const baseline = decodeBaseline(await registry.artifact(manifest, BASELINE_JSON));
  if (!baseline) throw new Error(`${version} has no readable baseline.json`);
  single = { ...(await report([version])), version, baseline, realBaseline: real };
  compared = await report([version, '--compare', 'v1.0']);
  browser = await chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), {
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

describe.skipIf(chromiumMissing)(`the HTML report in headless Chromium ${chromiumMissing ?? ''}`, () => {
  it('the request counter sees a request when a page makes one (so that zero below means zero)', async () => {
    const leaky = path.join(dir, 'leaky.html');
    writeFileSync(leaky, '<!doctype html><title>x</title><img src="http://127.0.0.1:9/pixel.png">');
    const { page, requests } = await open(leaky);
    expect(requests).toEqual(['http://127.0.0.1:9/pixel.png']);
    await page.close();
  });

  it('a report draws every chart, shows the classes and metrics as formatted, and fetches nothing', async () => {
    const { page, requests, loadMs } = await open(single.path);
    expect(requests).toEqual([]);
    expect(await page.title()).toBe(`iris ${single.version} — model report`);
    const features = single.baseline.features.map((f) => f.name);
    // loss, confusion matrix, per-class bars, one histogram per feature, the predicted classes
    await expectChartsVisible(page, 3 + features.length + 1);
    for (const feature of features)
      expect(await page.locator(`svg[aria-label="Baseline histogram: ${feature}"]`).count()).toBe(1);

    const text = await page.locator('body').innerText();
    const manifest = await registry.manifest(single.version);
    for (const label of ['setosa', 'versicolor', 'virginica']) expect(text).toContain(label);
    expect(text).toContain(formatNumber(manifest.metrics.accuracy));
    expect(text).toContain(formatNumber(manifest.metrics.macroF1));
    const metrics = JSON.parse(
      new TextDecoder().decode(await registry.artifact(manifest, 'metrics.json')),
    ) as { perClass: Record<string, { precision: number; recall: number }> };
    expect(text).toContain(formatNumber(metrics.perClass.versicolor!.precision));
    expect(text).toContain(manifest.data.sha256!);
    expect(text).not.toContain('NaN');

    const png = await screenshot(page, 'report.png');
    expect(png).toBeGreaterThan(50_000);
    console.log(
      `report ${single.version}: ${single.bytes} bytes, load ${loadMs.toFixed(0)} ms, screenshot ${png} bytes, baseline ${single.realBaseline ? 'from training' : 'stand-in'}`,
    );
    await page.close();
  });

  it('a --compare report sets both versions side by side and marks the differences', async () => {
    const { page, requests, loadMs } = await open(compared.path);
    expect(requests).toEqual([]);
    const [b, a] = compared.versions as [string, string];
    expect(await page.title()).toBe(`iris ${b} vs ${a} — model report`);
    const histograms = single.baseline.features.length + 1;
    // one loss chart with both curves; a confusion matrix, class bars and histograms per version
    await expectChartsVisible(page, 1 + 2 * (2 + histograms));
    const lossLegend = await page.locator('svg.chart-loss').innerHTML();
    expect(lossLegend).toContain(`${a} loss`);
    expect(lossLegend).toContain(`${b} validation loss`);

    const [ma, mb] = await Promise.all([registry.manifest(a), registry.manifest(b)]);
    const accuracy = page.locator('#summary tr', { has: page.locator('th', { hasText: /^accuracy$/ }) });
    const cells = await accuracy.locator('td').allInnerTexts();
    expect(cells.slice(0, 2)).toEqual([formatNumber(ma.metrics.accuracy), formatNumber(mb.metrics.accuracy)]);
    expect(cells[3]).toMatch(/^(▲ better|▼ worse|= same)$/);
    // the parameters that differ are marked in words, not by colour alone
    const learningRate = page.locator('#lineage tr.differs', {
      has: page.locator('th', { hasText: /^learningRate$/ }),
    });
    expect(await learningRate.locator('td').allInnerTexts()).toEqual([
      String(ma.parameters.learningRate),
      '0.05',
      '≠ differs',
    ]);
    expect(await page.locator('#lineage tr.differs th', { hasText: /^epochs$/ }).count()).toBe(1);

    const png = await screenshot(page, 'compare.png');
    expect(png).toBeGreaterThan(50_000);
    console.log(
      `compare report ${b} vs ${a}: ${compared.bytes} bytes, load ${loadMs.toFixed(0)} ms, screenshot ${png} bytes`,
    );
    await page.close();
  });

  it('prints to PDF with a page per section at least, and no chart taller than a printed page', async () => {
    for (const written of [single, compared]) {
      const { page } = await open(written.path);
      const pdf = Buffer.from(await page.pdf({ format: 'A4' })).toString('latin1');
      const pages = pdf.match(/\/Type\s*\/Page(?!s)/g)?.length ?? 0;
      expect(pages).toBeGreaterThanOrEqual(REPORT_SECTIONS);
      await page.emulateMedia({ media: 'print' });
      for (const chart of await page.locator('svg[role="img"]').all()) {
        const box = await chart.boundingBox();
        expect(box?.height).toBeGreaterThan(0);
        expect(box?.height).toBeLessThanOrEqual(PRINTED_PAGE_HEIGHT);
      }
      console.log(`${path.basename(written.path)}: ${pages} PDF pages`);
      await page.close();
    }
  });
});
