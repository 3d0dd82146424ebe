// The built-in offline model in headless Chromium: Setup offers it, the trainer worker downloads it
// from the studio's own server (public/models/, cached in Cache Storage), tokenizes with its
// restricted Qwen3 tokenizer and id map, and runs a short math-only training run in WGSL
// (SwiftShader). Retail episodes open with the ~4.5k-token policy wiki, which SwiftShader cannot
// prefill at a test's pace; math prompts are short. The inspector then shows a math trajectory.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotPath, openStudio, stepsDone, type Studio } from '../helpers/browser.ts';

const MANIFEST = 'public/models/index.json';
const models = existsSync(MANIFEST) ? (JSON.parse(readFileSync(MANIFEST, 'utf8')) as { models: { name: string }[] }).models : [];

let studio: Studio;
const errors: string[] = [];

beforeAll(async () => {
  studio = await openStudio(errors);
});
afterAll(async () => {
  await studio?.close();
});

const steps = () => stepsDone(studio.page);

describe.skipIf(models.length === 0)('the built-in model in the browser', () => {
  it('loads and trains on math problems; a trajectory shows the policy text and its reward', async () => {
    const { page } = studio;
    await page.getByRole('button', { name: `Use ${models[0]!.name}` }).click();
    expect(await page.textContent('[data-testid="policy-choice"]')).toContain(models[0]!.name);
    expect(await page.inputValue('select[aria-label="Task"]')).toBe('retail');
    for (const [field, value] of [
      ['math ratio (number or schedule JSON)', '1'],
      ['steps', '3'],
      ['tasks per step', '1'],
      ['group size G', '2'],
      ['max new tokens', '24'],
      ['evaluate every (steps, 0 = never)', '0'],
    ]) await page.fill(`input[aria-label="${field}"]`, value);
    await page.waitForSelector('[data-testid="setup-ready"]');
    await page.getByRole('button', { name: 'Start training' }).click();
    await expect.poll(steps, { timeout: 420_000, interval: 1000 }).toBeGreaterThanOrEqual(2);
    expect(await page.locator('.runs tbody tr').first().textContent()).toContain(models[0]!.name);
    await expect.poll(async () => Number(await page.getAttribute('.chart[data-chart="reward"]', 'data-points')), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: screenshotPath('studio-default-model-training'), fullPage: true });

    await page.getByRole('button', { name: 'Rollouts', exact: true }).click();
    await page.waitForSelector('.rollout-list tbody tr');
    expect(await page.textContent('.rollout-list tbody tr')).toMatch(/math/);
    await page.locator('.rollout-list tbody tr').first().click();
    await page.waitForSelector('.transcript .turn.agent');
    // the policy's own (decoded) words, whatever they are, and the problem it was given
    expect((await page.textContent('.transcript .turn.agent'))!.trim().length).toBeGreaterThan(0);
    await page.screenshot({ path: screenshotPath('studio-default-model-trajectory'), fullPage: true });
    await page.getByRole('button', { name: 'Training', exact: true }).click();
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect.poll(() => page.locator('.runs tbody tr').first().textContent(), { timeout: 240_000 }).toMatch(/stopped|finished/);
    expect(errors).toEqual([]);
  }, 600_000);
});
