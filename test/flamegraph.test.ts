// HTML flame graph: the file is self-contained and injection-safe; then, in
// headless Chromium, it renders, zooms, searches, flips orientation, logs no
// error and makes no request. Screenshots land in test-artifacts/.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { flamegraphCommand } from '../lib/faces/cli/flamegraph';
import { loadSnapshot } from '../lib/model/dump';
import { formatSize } from '../lib/helpers/format';
import { toFlameGraphHtml, type FlameGraphData } from '../lib/faces/export/flamegraph';
import { Snapshot } from '../lib/model/snapshot';
import { awkwardSnapshot, captureIO, repoRoot, tempDir, workloadDump } from './fixtures/export/helpers';

const CHROMIUM = '/usr/bin/chromium';

function scripts(html: string): { data: string; code: string } {
  const data = /<script type="application\/json" id="data">([\s\S]*?)<\/script>/.exec(html);
  const code = /<script>([\s\S]*?)<\/script>/.exec(html);
  if (data === null || code === null) throw new Error('script blocks not found');
  return { data: data[1], code: code[1] };
}

describe('toFlameGraphHtml', () => {
  const hostile = Snapshot.fromTraces(
    [
      {
        domain: 0,
        size: 100,
        frames: [{ filename: '/x/</script><script>alert(1)</script>.js', lineno: 1, functionName: '<!--\u2028$&' }],
      },
      { domain: 0, size: 50, frames: [] },
    ],
    4,
  );
  const title = '</title></script><b>{{DATA}} $& $1';
  const html = toFlameGraphHtml(hostile, { title });

  it('is one self-contained file: no URL to fetch, and a policy that forbids any', () => {
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\s(src|href)=/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
  });

  it('keeps names and titles as text: only its own two scripts close', () => {
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html.match(/<script/gi)).toHaveLength(2);
    expect(html).toContain('<title>&#60;/title&#62;&#60;/script&#62;&#60;b&#62;{{DATA}} $&#38; $1</title>');
    const data = JSON.parse(scripts(html).data) as FlameGraphData;
    expect(data.title).toBe(title);
    expect(data.strings).toEqual(
      expect.arrayContaining(['<!--\u2028$&', '/x/</script><script>alert(1)</script>.js', '(no stack)']),
    );
  });

  it('embeds the tree with integer sizes that keep the total', () => {
    const snapshot = awkwardSnapshot();
    const data = JSON.parse(scripts(toFlameGraphHtml(snapshot)).data) as FlameGraphData;
    expect(data.selfSize.every(Number.isInteger)).toBe(true);
    expect(data.selfSize.reduce((a, b) => a + b, 0)).toBe(Math.round(snapshot.totalSize));
    expect(data.parent.every((p, i) => p < i)).toBe(true);
    expect(data).toEqual(
      expect.objectContaining({ exact: false, interval: 512, title: 'node-tracemalloc flame graph' }),
    );
  });

  it('embeds the error bars of every node of a sampled snapshot (none when exact)', () => {
    const snapshot = awkwardSnapshot();
    const data = JSON.parse(scripts(toFlameGraphHtml(snapshot)).data) as FlameGraphData;
    expect(data.totalSamples[0]).toBe(snapshot.table.sampleStack.length);
    const totals = data.selfSize.slice();
    for (let n = totals.length - 1; n > 0; n--) totals[data.parent[n]] += totals[n];
    for (let n = 0; n < totals.length; n++) {
      // Bounds rounded to bytes, around totals rounded to keep the sum: within 1 B.
      expect(data.totalSizeLow[n]).toBeLessThanOrEqual(totals[n] + 1);
      expect(data.totalSizeHigh[n]).toBeGreaterThanOrEqual(totals[n] - 1);
    }
    expect(data.totalSizeHigh[0]).toBeGreaterThan(data.totalSizeLow[0]);
    const exact = JSON.parse(scripts(html).data) as FlameGraphData;
    expect(exact.totalSizeLow).toEqual([]);
  });

  it('has a script that parses', () => {
    // Parsing without running: what the Function constructor is for here.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    expect(() => new Function(scripts(html).code)).not.toThrow();
  });

  it('refuses a title that is not a string', () => {
    expect(() => toFlameGraphHtml(hostile, { title: 3 as unknown as string })).toThrow(
      /Expected a string for options.title/,
    );
  });
});

const haveChromium = fs.existsSync(CHROMIUM);
// .ci/run installs Debian's chromium; a developer machine may lack it.
if (!haveChromium)
  console.warn(`SKIPPED flame graph browser checks: ${CHROMIUM} is missing (apt-get install chromium)`);

(haveChromium ? describe : describe.skip)('the flame graph in headless Chromium', () => {
  const dir = tempDir('flamegraph');
  const artifacts = path.join(repoRoot, 'test-artifacts');
  let context: BrowserContext;
  const errors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'ntm-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 720 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await context?.close();
  });

  async function open(file: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (r.url() !== `file://${file}`) requests.push(r.url());
    });
    await page.goto(`file://${file}`);
    return page;
  }

  async function box(page: Page, selector: string): Promise<{ x: number; y: number; width: number }> {
    const b = await page.locator(selector).first().boundingBox();
    if (b === null) throw new Error(`${selector} is not visible`);
    return b;
  }

  it('renders, zooms, searches and flips, with no error and no request', async () => {
    const dump = workloadDump(dir, 'exact');
    const snapshot = loadSnapshot(dump);
    const io = captureIO(dir);
    expect(await flamegraphCommand.run([dump, '-o', 'report.html', '--title', 'Known workload'], io)).toBe(0);
    expect(io.out()).toMatch(/^Wrote report\.html \(\d+(\.\d)? KiB\)\n$/);
    const page = await open(path.join(dir, 'report.html'));

    // Renders: the title, exact totals, the top function by name.
    expect(await page.title()).toBe('Known workload');
    const header = await page.locator('header').innerText();
    // Sizes in the library's one format (formatSize, as top prints them).
    expect(header).toContain(`Exact: ${formatSize(snapshot.totalSize)} in `);
    expect(header).toContain(`${snapshot.totalCount.toLocaleString('en-US')} objects`);
    const top = snapshot.statistics('function')[0].traceback.at(-1)?.functionName;
    expect(top).toBe('makePoints');
    const makePoints = page.locator('.frame', { hasText: /^makePoints/ });
    await makePoints.first().waitFor();
    await page.screenshot({ path: path.join(artifacts, 'flamegraph.png'), fullPage: true });

    // Hover: a tooltip with size, objects and file:line.
    await makePoints.first().hover();
    const tooltip = await page.locator('#tooltip').innerText();
    expect(tooltip).toMatch(/makePoints[\s\S]*workload\.js:\d+[\s\S]*Size: [\d.]+ (B|KiB|MiB)[\s\S]*Objects: [\d,]+/);
    await page.screenshot({ path: path.join(artifacts, 'flamegraph-hover.png'), fullPage: true });

    // Search: matching frames highlighted, their share shown.
    await page.fill('#search', 'makeLabels');
    expect(await page.locator('.frame.match').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#matched').innerText()).toMatch(/^Matched: \d+\.\d% \([\d.]+ (B|KiB|MiB)\)$/);
    await page.screenshot({ path: path.join(artifacts, 'flamegraph-search.png'), fullPage: true });
    await page.fill('#search', '');
    expect(await page.locator('.frame.match').count()).toBe(0);

    // Zoom: the clicked frame takes the whole width; Reset gives the root back.
    const chart = await box(page, '#chart');
    const node = await makePoints.first().getAttribute('data-node');
    expect((await box(page, `.frame[data-node="${node}"]`)).width).toBeLessThan(chart.width - 4);
    await makePoints.first().click();
    expect(await page.locator('body').getAttribute('data-zoom')).toBe(node);
    expect((await box(page, `.frame[data-node="${node}"]`)).width).toBeGreaterThan(chart.width - 2);
    await page.screenshot({ path: path.join(artifacts, 'flamegraph-zoom.png'), fullPage: true });
    await page.click('#reset');
    expect(await page.locator('body').getAttribute('data-zoom')).toBe('0');

    // Toggle: the root moves from the top (icicle) to the bottom (flame).
    const rootBefore = await box(page, '.frame[data-node="0"]');
    expect(rootBefore.y - chart.y).toBeLessThan(1);
    await page.click('#toggle');
    expect(await page.locator('body').getAttribute('data-orientation')).toBe('flame');
    const chartAfter = await box(page, '#chart');
    const rootAfter = await box(page, '.frame[data-node="0"]');
    expect(rootAfter.y).toBeGreaterThan(chartAfter.y + 17);
    const leaf = await box(page, `.frame[data-node="${node}"]`);
    expect(leaf.y).toBeLessThan(rootAfter.y);
    expect(await page.locator('#toggle').innerText()).toBe('Icicle view');
    await page.screenshot({ path: path.join(artifacts, 'flamegraph-flame.png'), fullPage: true });

    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('says estimated, with the interval, for a sampled dump', async () => {
    const dump = workloadDump(dir, '4096');
    const snapshot = loadSnapshot(dump);
    const io = captureIO(dir);
    expect(await flamegraphCommand.run([dump, '-o', 'sampled.html'], io)).toBe(0);
    const page = await open(path.join(dir, 'sampled.html'));
    expect(await page.title()).toBe('workload-4096.ntm');
    // The interval and the estimated total as formatSize prints them ("4096 B", as Python would).
    const header = await page.locator('header').innerText();
    expect(header).toMatch(/Estimated \(sampling interval 4096 B\):\s+≈ [\d.]+ (KiB|MiB) in ≈ [\d,]+ objects/);
    expect(header).toContain(`≈ ${formatSize(Math.round(snapshot.totalSize))} in `);
    const makePoints = page.locator('.frame', { hasText: /^makePoints/ }).first();
    await makePoints.waitFor();
    // Hover: the total's 95% interval and the samples behind it.
    await makePoints.hover();
    expect(await page.locator('#tooltip').innerText()).toMatch(
      /± [\d.]+ (B|KiB|MiB) \(95%: [\d.]+ (B|KiB|MiB) to [\d.]+ (B|KiB|MiB), [\d,]+ samples\)/,
    );
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('applies --include and --exclude as top does', async () => {
    const dump = workloadDump(dir, 'exact');
    const io = captureIO(dir);
    expect(await flamegraphCommand.run([dump, '-o', 'only.html', '--exclude', '*/workload.js'], io)).toBe(0);
    const data = JSON.parse(scripts(fs.readFileSync(path.join(dir, 'only.html'), 'utf8')).data) as FlameGraphData;
    expect(data.strings).not.toContain('makePoints');
    expect(
      await flamegraphCommand.run([dump, '-o', 'all.html', '--include', '*/workload.js', '--all-frames'], io),
    ).toBe(0);
    const all = JSON.parse(scripts(fs.readFileSync(path.join(dir, 'all.html'), 'utf8')).data) as FlameGraphData;
    expect(all.strings).toEqual(expect.arrayContaining(['makePoints', 'makeLabels', 'main']));
  });
});
