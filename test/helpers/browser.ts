// Starts the studio (Vite dev server) and drives Debian/Google Chrome headless through playwright-core.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, createServer, preview } from 'vite';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

export function findChrome(): string {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROME_PATH=${fromEnv} does not exist. Point it at a Chrome/Chromium binary.`);
    return fromEnv;
  }
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `No Chrome or Chromium found (looked at ${CANDIDATES.join(', ')}). Install one (Debian: apt-get install chromium) or set CHROME_PATH.`,
    );
  }
  return found;
}

export const CHROME_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Studio {
  url: string;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/** The dev server (modules served from src/, so tests can import them in the page), or with
 * `production` the built studio served by `vite preview` — what users get, with React's production
 * build, for measuring main-thread long tasks. */
async function serve(production: boolean): Promise<{ url: string; close(): Promise<void> }> {
  if (production) {
    const outDir = join('node_modules', '.tarl-e2e-dist');
    // TARL_E2E_MINIFY=0 keeps function names, for profiling with CDP.
    // Vitest sets NODE_ENV=test, which Vite would keep (React's development build); build as users do.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ configFile: 'vite.config.ts', mode: 'production', logLevel: 'error', build: { outDir, emptyOutDir: true, minify: process.env.TARL_E2E_MINIFY !== '0' } });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    const server = await preview({ configFile: 'vite.config.ts', logLevel: 'warn', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } });
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('vite preview did not report a local URL');
    return { url, close: () => server.close() };
  }
  const server = await createServer({ configFile: 'vite.config.ts', logLevel: 'warn', server: { port: 0, host: '127.0.0.1' } });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('Vite did not report a local URL');
  return { url, close: () => server.close() };
}

export async function startStudio(opts: { production?: boolean } = {}): Promise<Studio> {
  const server = await serve(opts.production ?? false);
  const url = server.url;
  // playwright gives every launch a fresh, empty profile (the --user-data-dir the guide asks for).
  const browser = await chromium.launch({ executablePath: findChrome(), args: CHROME_FLAGS }).catch((e) => {
    throw new Error(`Could not start Chrome (${findChrome()}): ${(e as Error).message.split('\n')[0]}`);
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  return {
    url,
    browser,
    page,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

export function screenshotPath(name: string): string {
  mkdirSync('test-results', { recursive: true });
  return join('test-results', `${name}.png`);
}

/**
 * Starts the studio with a main-thread long-task observer installed before any page script, records
 * page errors into `errors`, opens it and waits for the adapter probe to settle.
 */
export async function openStudio(errors: string[], opts: { production?: boolean } = {}): Promise<Studio> {
  const studio = await startStudio(opts);
  studio.page.on('pageerror', (e) => errors.push(e.message));
  await studio.page.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await studio.page.goto(studio.url);
  await studio.page.waitForSelector('.adapter[data-status="ready"], .adapter[data-status="unavailable"]', { timeout: 90_000 });
  return studio;
}

/** Durations (ms) of the long tasks observed since the last call. */
export function takeLongTasks(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks.splice(0));
}

/** Steps done by the live run, read from the Training panel's progress line (0 before it shows). */
export async function stepsDone(page: Page): Promise<number> {
  const text = (await page.textContent('[data-testid="step-progress"]').catch(() => null)) ?? '';
  const m = /step (\d+) \/ (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}
