// Main-thread responsiveness of the built studio (what `vite build` ships, React in production mode)
// during a training run: training runs in the trainer worker, so the main thread only renders the
// live charts, the run list and the inspector. A long-task observer records every task > 50 ms from
// the Start click to the Stop; the worst is reported (the goal: never more than 50 ms).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotPath, openStudio, stepsDone, takeLongTasks, type Studio } from '../helpers/browser.ts';

let studio: Studio;
const errors: string[] = [];

beforeAll(async () => {
  studio = await openStudio(errors, { production: true });
});
afterAll(async () => {
  await studio?.close();
});

const steps = () => stepsDone(studio.page);

describe('built studio under a training run', () => {
  it('keeps main-thread tasks short while training, browsing rollouts and tuning rewards', async () => {
    const { page } = studio;
    await page.getByRole('button', { name: 'Use the tiny random model (for trying the pipeline)' }).click();
    await page.fill('input[aria-label="steps"]', '60');
    // PPO: the value head trains beside the adapters in the worker
    await page.selectOption('select[aria-label="algorithm"]', 'ppo');
    await page.waitForSelector('input[aria-label="GAE λ"]');
    await page.waitForSelector('[data-testid="setup-ready"]');
    await takeLongTasks(page); // page load and setup: not training
    const tasks: number[] = [];
    const byPhase: Record<string, number[]> = {};
    const collect = async (phase: string) => {
      const t = await takeLongTasks(page);
      tasks.push(...t);
      byPhase[phase] = t.map(Math.round);
    };

    await page.getByRole('button', { name: 'Start training' }).click();
    await expect.poll(steps, { timeout: 120_000, interval: 500 }).toBeGreaterThanOrEqual(8);
    await collect('training');
    // PPO's value-loss chart appears beside the others
    await page.waitForSelector('.chart[data-chart="value-loss"]');
    await page.screenshot({ path: screenshotPath('studio-perf-training'), fullPage: true });
    await takeLongTasks(page); // the full-page capture relayouts the page
    // the inspector on the live run, then the tuner on its trajectories, while steps keep coming
    await page.getByRole('button', { name: 'Rollouts', exact: true }).click();
    await page.waitForSelector('.rollout-list tbody tr');
    await page.locator('.rollout-list tbody tr').first().click();
    await page.waitForSelector('.transcript .turn.agent');
    await page.keyboard.press('j');
    await collect('inspector');
    await page.getByRole('button', { name: 'Reward tuner', exact: true }).click();
    await page.getByRole('button', { name: 'per-turn' }).click();
    await collect('tuner');
    await page.getByRole('button', { name: 'Training', exact: true }).click();
    const at = await steps();
    await expect.poll(steps, { timeout: 120_000, interval: 500 }).toBeGreaterThanOrEqual(at + 4);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect.poll(() => page.locator('.runs tbody tr').first().textContent(), { timeout: 120_000 }).toMatch(/stopped/);
    await collect('training again, stop');
    const stored = await page.locator('.runs tbody tr').first().textContent();
    expect(stored).toMatch(/stopped/);
    // the same charts mounted again with no training competing for the cores
    await page.getByRole('button', { name: 'Rollouts', exact: true }).click();
    await page.getByRole('button', { name: 'Training', exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll('.chart[data-drawn="true"]').length >= 3);
    await page.waitForTimeout(500);
    const idle = (await takeLongTasks(page)).map(Math.round);

    const worst = Math.max(0, ...tasks);
    const sorted = [...tasks].sort((a, b) => a - b);
    console.log(
      `built studio, main-thread long tasks during training: ${tasks.length}, worst ${Math.round(worst)} ms, ` +
        `median ${Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0)} ms; by phase ${JSON.stringify(byPhase)}; ` +
        `charts remounted after the run (no training competing): ${JSON.stringify(idle)}`,
    );
    // The goal is 50 ms; the bound here leaves room for this 2-core box, where SwiftShader (the
    // worker's "GPU") competes with the page for the same cores.
    expect(worst).toBeLessThan(250);
    expect(errors).toEqual([]);
  });
});
