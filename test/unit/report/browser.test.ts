/**
 * The HTML report in a real browser: Debian's Chromium, headless, driven by playwright-core.
 * Every chart image must decode, their number must be what the page claims, and the console
 * must stay clean. Keeps a screenshot in reports/screenshots/report.png (git-ignored).
 * A missing Chromium fails the test with the remedy; it never skips.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { openHistory } from '../../../harness/results/history.ts';
import { writeReports } from '../../../harness/report/write-reports.ts';
import { buildReportHistory } from '../../support/report-fixture.ts';

// Browser globals used inside page.evaluate (this project compiles without the DOM lib).
interface PageImage { dataset: Record<string, string | undefined>; complete: boolean; naturalWidth: number; naturalHeight: number; decode(): Promise<void> }
interface PageElement { textContent: string | null; getAttribute(name: string): string | null }
declare const document: { querySelectorAll(selector: string): ArrayLike<PageImage>; querySelector(selector: string): PageElement | null };
declare const DOMParser: new () => { parseFromString(text: string, type: string): { querySelector(s: string): PageElement | null; querySelectorAll(s: string): ArrayLike<unknown> } };

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = path.resolve('reports', 'screenshots', 'report.png');

describe('report.html in headless Chromium', function () {
  this.timeout(120000);
  let root: string;
  let browser: Browser | undefined;
  let files: Awaited<ReturnType<typeof writeReports>>;

  before(async () => {
    await fs.access(CHROMIUM).catch(() => {
      throw new Error(`Chromium is not installed (${CHROMIUM} is missing): install it with \`apt-get install chromium\` (scripts/setup-debian.sh does); the browser test needs a real browser`);
    });
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-browser-'));
    const history = await openHistory(path.join(root, 'history.sqlite'));
    try {
      files = await writeReports(await buildReportHistory(root, history, { accel: 'tcg' }), history);
    } finally {
      await history.close();
    }
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });
  after(async () => {
    await browser?.close();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('draws every chart it claims, with no console error, and keeps a screenshot', async () => {
    const page = await browser!.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('requestfailed', (request) => errors.push(`request failed: ${request.url().slice(0, 80)}`));
    await page.goto(pathToFileURL(files.html).href, { waitUntil: 'load' });

    const charts = await page.evaluate(async () => {
      const images = Array.from(document.querySelectorAll('img.chart'));
      await Promise.all(images.map((img) => img.decode()));
      return {
        claimed: Number(document.querySelector('meta[name="passbench-chart-count"]')?.getAttribute('content')),
        shown: document.querySelector('#chart-count')?.textContent,
        images: images.map((img) => ({ id: img.dataset.chart, complete: img.complete, width: img.naturalWidth, height: img.naturalHeight })),
      };
    });
    assert.equal(charts.images.length, charts.claimed, 'number of chart images = what the page claims');
    assert.equal(charts.shown, `${charts.claimed} charts.`);
    assert.ok(charts.claimed >= 13, `throughput, latency, HTTP and 10 trends; got ${charts.claimed}`);
    for (const img of charts.images) {
      assert.ok(img.complete && img.width > 0 && img.height > 0, `chart ${img.id} did not decode: ${JSON.stringify(img)}`);
    }
    assert.equal(await page.locator('h1').textContent(), 'passbench nightly — run r5 — emulated (TCG)');
    assert.equal(await page.locator('td.regressed').count() > 0, true, 'the regressions are in the verdict table');

    // The JUnit file parses as XML in the same browser.
    const junit = await fs.readFile(files.junit, 'utf8');
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      return { error: doc.querySelector('parsererror')?.textContent ?? null, cases: doc.querySelectorAll('testcase').length };
    }, junit);
    assert.equal(parsed.error, null);
    assert.equal(parsed.cases, 37); // run status, 6 checks, 30 verdicts

    assert.deepEqual(errors, []);
    await fs.mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok((await fs.stat(SCREENSHOT)).size > 10000);
  });
});
