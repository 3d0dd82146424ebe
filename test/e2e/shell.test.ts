// The studio shell in headless Chromium with SwiftShader WebGPU: the adapter panel shows a real
// adapter, the navigation works, and a browser without WebGPU gets a clear message instead of a blank page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotPath, startStudio, type Studio } from '../helpers/browser.ts';

let studio: Studio;
beforeAll(async () => {
  studio = await startStudio();
});
afterAll(async () => {
  await studio?.close();
});

describe('studio shell', () => {
  it('shows the WebGPU adapter it got', async () => {
    const { page, url } = studio;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForSelector('.adapter[data-status="ready"], .adapter[data-status="unavailable"]', { timeout: 90_000 });
    const status = await page.getAttribute('.adapter', 'data-status');
    const text = await page.textContent('.adapter');
    await page.screenshot({ path: screenshotPath('shell-adapter'), fullPage: true });
    expect(status, `adapter panel says: ${text}`).toBe('ready');
    expect(await page.textContent('[data-testid="adapter-vendor"]')).toMatch(/\S/);
    expect(text).toMatch(/max storage binding/);
    expect(text).toMatch(/shader-f16/);
    expect(errors).toEqual([]);
  });

  it('navigates between the studio sections', async () => {
    const { page } = studio;
    for (const label of ['Setup', 'Training', 'Rollouts', 'Reward tuner']) {
      await page.getByRole('button', { name: label, exact: true }).click();
      await expect.poll(() => page.textContent('.panel h2')).toBe(label);
    }
    await page.screenshot({ path: screenshotPath('shell-tuner'), fullPage: true });
  });

  it('explains how to enable WebGPU when navigator.gpu is missing', async () => {
    const page = await studio.browser.newPage();
    await page.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
    });
    await page.goto(studio.url);
    await page.waitForSelector('.adapter[data-status="unavailable"]', { timeout: 30_000 });
    expect(await page.textContent('.adapter')).toMatch(/no WebGPU.*Chrome/i);
    await page.screenshot({ path: screenshotPath('shell-no-webgpu'), fullPage: true });
    await page.close();
  });
});
