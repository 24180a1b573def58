/**
 * The dashboard in a real browser, as report.html is checked (browser.test.ts): Debian's Chromium,
 * headless, driven by playwright-core. On every page each chart image must decode and their number
 * must be what the page claims, the console must stay clean, and every link to a run's report or
 * to another page must lead to a file that exists. A missing Chromium fails the test with the
 * remedy; it never skips. Keeps a screenshot in reports/screenshots/dashboard.png (git-ignored).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { openHistory } from '../../../harness/results/history.ts';
import { loadDashboard } from '../../../harness/results/dashboard-data.ts';
import { writeDashboard, type DashboardFiles } from '../../../harness/report/write-dashboard.ts';
import { buildDashboardHistory, dashboardRunId as id } from '../../support/dashboard-history.ts';
import { tempDir } from '../../support/temp-dirs.ts';

// Browser globals used inside page.evaluate (this project compiles without the DOM lib).
interface PageImage { dataset: Record<string, string | undefined>; complete: boolean; naturalWidth: number; naturalHeight: number; decode(): Promise<void> }
interface PageLink { href: string; className: string }
interface PageElement { textContent: string | null; getAttribute(name: string): string | null }
declare const document: { querySelectorAll<T>(selector: string): ArrayLike<T>; querySelector(selector: string): PageElement | null };

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = path.resolve('reports', 'screenshots', 'dashboard.png');
const REPORTED = [id('lab1', 9), id('lab1', 16), id('lab2', 13)];

describe('the dashboard in headless Chromium', function () {
  this.timeout(180000);
  let browser: Browser | undefined;
  let files: DashboardFiles;

  before(async () => {
    await fs.access(CHROMIUM).catch(() => {
      throw new Error(`Chromium is not installed (${CHROMIUM} is missing): install it with \`apt-get install chromium\` (scripts/setup-debian.sh does); the browser test needs a real browser`);
    });
    const root = await tempDir('passbench-dashboard-browser-');
    const history = await openHistory(path.join(root, 'history.sqlite'));
    try {
      await buildDashboardHistory(root, history, { reports: REPORTED });
      files = await writeDashboard(await loadDashboard(history, { threshold: () => 0.05 }), path.join(root, 'site'));
    } finally {
      await history.close();
    }
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });
  after(async () => { await browser?.close(); });

  it('every page loads with no console error, draws every chart it claims, and its links lead to files that exist', async () => {
    const page = await browser!.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('requestfailed', (request) => errors.push(`request failed: ${request.url().slice(0, 80)}`));
    const reportLinks: string[] = [];
    for (const file of [files.index, ...Object.values(files.hosts)]) {
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const shown = await page.evaluate(async () => {
        const images = Array.from(document.querySelectorAll<PageImage>('img.chart'));
        await Promise.all(images.map((img) => img.decode()));
        return {
          claimed: Number(document.querySelector('meta[name="passbench-chart-count"]')?.getAttribute('content')),
          images: images.map((img) => ({ id: img.dataset.chart, complete: img.complete, width: img.naturalWidth, height: img.naturalHeight })),
          links: Array.from(document.querySelectorAll<PageLink>('a[href]')).map((a) => ({ href: a.href, report: a.className === 'report' })),
        };
      });
      assert.equal(shown.images.length, shown.claimed, `${path.basename(file)}: chart images = what the page claims`);
      for (const img of shown.images) assert.ok(img.complete && img.width > 0 && img.height > 0, `chart ${img.id} did not decode: ${JSON.stringify(img)}`);
      for (const link of shown.links) {
        const target = fileURLToPath(link.href.replace(/#.*$/, ''));
        await fs.access(target).catch(() => assert.fail(`${path.basename(file)} links to ${link.href}, which is not there`));
        if (link.report) reportLinks.push(path.basename(path.dirname(target)));
      }
      if (file === files.hosts.lab1) {
        assert.equal(shown.claimed, 10);
        await fs.mkdir(path.dirname(SCREENSHOT), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: false });
      }
    }
    // Each night with a report is linked from its host's page (and from change tables where a change starts there).
    assert.deepEqual([...new Set(reportLinks)].sort(), [...REPORTED].sort());
    assert.deepEqual(errors, []);
  });
});
