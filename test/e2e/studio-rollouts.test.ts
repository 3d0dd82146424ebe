// Rollout inspector and Reward tuner in headless Chromium, on trajectories made by the real episode
// code (oracle agent + scripted user + τ-bench sandbox + reference judge + TARL rewards; see
// test/unit/studio/episode-fixture.ts for the two test-only flawed-oracle variants): load the JSON-lines
// file, read per-turn badges, navigate by keyboard, compare with another judge, move a reward slider
// and see rewards and rankings change. Long tasks on the main thread are measured.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewardConfig, type RewardConfig } from '../../src/reward/config.ts';
import { serializeTrajectory, type Trajectory } from '../../src/rollout/trajectory.ts';
import { parseTrajectoryFile, type LoadedTrajectory } from '../../src/studio/rollouts/view.ts';
import { rescore, REWARD_PRESETS } from '../../src/studio/tuner/rescore.ts';
import { screenshotPath, openStudio, takeLongTasks, type Studio } from '../helpers/browser.ts';
import { realEpisodes } from '../unit/studio/episode-fixture.ts';

let studio: Studio;
let episodes: Trajectory[];
let jsonl: string;
let loaded: LoadedTrajectory[];
const errors: string[] = [];
const byId = (id: string) => episodes.find((t) => t.id === id)!;
// What the UI must show is computed here with the same pure functions (unit-tested against
// hand-computed values), so these tests do not hard-code the reference judge's rules.
const expected = (before: RewardConfig, after: RewardConfig, id: string) => rescore(loaded, before, after).flatMap((g) => g.members).find((m) => m.id === id)!;
const rewardText = (cfg: RewardConfig, id: string) => expected(cfg, cfg, id).after.reward.toFixed(3);
const scoresOf = (id: string) => byId(id).judge!.turns.map((j) => j.score);

beforeAll(async () => {
  episodes = await realEpisodes();
  jsonl = episodes.map(serializeTrajectory).join('\n') + '\n';
  loaded = parseTrajectoryFile(jsonl, 'episodes.jsonl');
  studio = await openStudio(errors);
});
afterAll(async () => {
  await studio?.close();
});

const longTasks = () => takeLongTasks(studio.page);
const worstLongTask: Record<string, number> = {};
const badgesInTranscript = () => studio.page.locator('.transcript .turn.agent .judge-badge').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.score)));

describe('rollout inspector', () => {
  it('loads an episode file and shows per-turn judge badges, calls vs ground truth and the reward breakdown', async () => {
    const { page } = studio;
    await page.getByRole('button', { name: 'Rollouts', exact: true }).click();
    await page.setInputFiles('[data-testid="trajectory-file"]', { name: 'episodes.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(jsonl) });
    await page.waitForSelector('.rollout-list tbody tr');
    expect(await page.locator('.rollout-list tbody tr').count()).toBe(8);
    await longTasks();

    // dev-0-s3: the agent proposed the right cancellation, then ran it with another reason
    await page.click('.rollout-list tr[data-key="dev-0-s3"]');
    const badges = await badgesInTranscript();
    expect(badges).toEqual(scoresOf('dev-0-s3'));
    const deviation = badges.indexOf(-1);
    expect(deviation).toBeGreaterThan(0);
    expect(await page.locator(`.transcript [data-agent-turn="${deviation}"] .judge-badge`).getAttribute('title')).toMatch(/no remaining ground-truth action/);
    // ground truth vs agent: the ground-truth cancellation is missing; the agent's cancel is outside it
    expect(await page.locator('.call-compare tr[data-kind="missing"] td').first().textContent()).toMatch(/cancel_pending_order.*no longer needed/);
    expect(await page.locator('.call-compare tr[data-kind="extra"] td:nth-child(2)').allTextContents()).toContainEqual(expect.stringMatching(/^cancel_pending_order.*ordered by mistake/));
    expect(await page.textContent('[data-testid="verdict"]')).toMatch(/reward 0 — task not solved/);
    expect(await page.textContent('[data-testid="episode-reward"]')).toBe(rewardText(REWARD_PRESETS['TARL (trajectory-level)'], 'dev-0-s3'));
    // tool outputs are collapsed until opened
    expect(await page.locator('.turn.tool details[open]').count()).toBe(0);
    await page.locator('.turn.tool summary').first().click();
    expect(await page.locator('.turn.tool details[open] pre').textContent()).toMatch(/olivia_ito_3591/);
    worstLongTask.load = Math.max(0, ...(await longTasks()));
    await page.screenshot({ path: screenshotPath('studio-rollouts-transcript'), fullPage: true });
  });

  it('moves between turns and trajectories with the keyboard, and filters', async () => {
    const { page } = studio;
    await page.locator('body').focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('j');
    await expect.poll(() => page.getAttribute('.turn.agent.cursor', 'data-agent-turn')).toBe('3');
    expect(await page.locator('.turn.agent.cursor details.rationale[open]').textContent()).toBe(`judge rationale${byId('dev-0-s3').judge!.turns[3].rationale}`);
    await page.keyboard.press('k');
    await expect.poll(() => page.getAttribute('.turn.agent.cursor', 'data-agent-turn')).toBe('2');
    await page.keyboard.press('n');
    await expect.poll(() => page.getAttribute('.detail', 'data-open')).toBe('dev-0-s4');
    expect(await page.textContent('[data-testid="verdict"]')).toMatch(/ended by transfer/);
    await page.keyboard.press('p');
    await page.keyboard.press('p');
    await expect.poll(() => page.getAttribute('.detail', 'data-open')).toBe('dev-0-s2');
    // filters: failed episodes of task 3 only
    await page.selectOption('select[aria-label="Filter by task"]', '3');
    await page.selectOption('select[aria-label="Filter by success"]', 'false');
    expect(await page.locator('.rollout-list tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.key))).toEqual(['dev-3-s3', 'dev-3-s4']);
    await page.getByRole('button', { name: 'Re-judge', exact: true }).click();
    await expect.poll(() => page.locator('.breakdown thead th').allTextContents()).toContain('reference');
    expect(await page.locator('.breakdown td.differs').count()).toBe(0); // the same rules gave these scores
    await page.screenshot({ path: screenshotPath('studio-rollouts-filtered'), fullPage: true });
  });
});

describe('compare with an OpenAI-compatible judge', () => {
  it('re-judges the open trajectory through a scripted endpoint (CORS, key in memory) and highlights differences', async () => {
    const { page } = studio;
    const seen: { auth?: string; model?: string; json?: boolean }[] = [];
    const mine = scoresOf('dev-3-s3');
    const theirs = mine.map((_, i) => (i === 0 ? -1 : 0)); // calls the greeting the deviation
    const server = createServer((req, res) => {
      res.setHeader('access-control-allow-origin', '*');
      res.setHeader('access-control-allow-headers', 'authorization, content-type');
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      if (req.method === 'OPTIONS') return void res.writeHead(204).end();
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const r = JSON.parse(body) as { model: string; response_format?: unknown };
        seen.push({ auth: req.headers.authorization, model: r.model, json: !!r.response_format });
        const turns = theirs.map((score, i) => ({ turn: i + 1, score, rationale: `scripted ${score}` }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { content: JSON.stringify({ turns }) } }], usage: { prompt_tokens: 1234, completion_tokens: 56 } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      await expect.poll(() => page.getAttribute('.detail', 'data-open')).toBe('dev-3-s3');
      await page.selectOption('select[aria-label="Judge to compare with"]', 'openai');
      await page.fill('input[aria-label="Judge base URL"]', `http://127.0.0.1:${port}/v1`);
      await page.fill('input[aria-label="Judge model"]', 'scripted-judge');
      await page.fill('input[aria-label="Judge API key"]', 'sk-test-not-a-real-key');
      await page.getByRole('button', { name: 'Re-judge', exact: true }).click();
      await expect.poll(() => page.textContent('[data-testid="compare-note"]')).toBe('openai:scripted-judge: 1234 prompt + 56 completion tokens');
      expect(await page.locator('.breakdown thead th').allTextContents()).toContain('openai:scripted-judge');
      const other = await page.locator('.breakdown tbody tr td:nth-child(3) .judge-badge').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.score)));
      expect(other).toEqual(theirs);
      expect(await page.locator('.breakdown td.differs').count()).toBe(mine.filter((s, i) => s !== theirs[i]).length);
      expect(seen).toEqual([{ auth: 'Bearer sk-test-not-a-real-key', model: 'scripted-judge', json: true }]);
      // asking again is answered from the cache
      await page.getByRole('button', { name: 'Re-judge', exact: true }).click();
      await expect.poll(() => page.textContent('[data-testid="compare-note"]')).toBe('openai:scripted-judge: from cache');
      expect(seen.length).toBe(1);
      // the key is nowhere in the page's storage
      const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
      expect(stored).not.toContain('sk-test');
      await page.screenshot({ path: screenshotPath('studio-rollouts-compare-judge'), fullPage: true });
    } finally {
      server.close();
    }
  });
});

describe('reward tuner', () => {
  const rewardOf = (id: string) => studio.page.textContent(`.rescore tr[data-trajectory="${id}"] [data-testid="reward-after"]`);

  it('re-scores the loaded trajectories as a slider moves, and shows ranking changes', async () => {
    const { page } = studio;
    const tarl = REWARD_PRESETS['TARL (trajectory-level)'];
    await page.getByRole('button', { name: 'Reward tuner', exact: true }).click();
    await page.waitForSelector('.rescore');
    expect(await page.textContent('[data-testid="tuner-summary"]')).toBe('8 trajectories from episodes.jsonl in 2 groups, compared with the config they were scored with · ranking changes in 0 groups');
    expect(await rewardOf('dev-0-s1')).toBe(rewardText(tarl, 'dev-0-s1'));
    await longTasks();
    // drag the terminal slider down with the keyboard: 10 → 4 (step 0.5)
    await page.focus('[data-testid="terminal-range"]');
    for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.inputValue('[data-testid="terminal-number"]')).toBe('4');
    await expect.poll(() => rewardOf('dev-0-s1')).toBe(rewardText(rewardConfig({ terminal: 4 }), 'dev-0-s1'));
    expect(Number(await rewardOf('dev-0-s1'))).toBeCloseTo(Number(rewardText(tarl, 'dev-0-s1')) - 6, 3); // 6 terminal points less
    expect(await rewardOf('dev-0-s3')).toBe(rewardText(tarl, 'dev-0-s3')); // failed episodes keep their reward
    // deviation × 0: the −1 turn stops costing anything
    await page.fill('[data-testid="deviation-number"]', '0');
    await expect.poll(() => rewardOf('dev-0-s3')).toBe(rewardText(rewardConfig({ terminal: 4, deviation: 0 }), 'dev-0-s3'));
    expect(Number(await rewardOf('dev-0-s3'))).toBeGreaterThan(0); // only its +1 turns are left
    const sliderTasks = await longTasks(); // before the screenshot (a full-page capture relayouts the page)
    await page.screenshot({ path: screenshotPath('studio-tuner-sliders'), fullPage: true });
    await longTasks();
    // "terminal only": both failures score 0 and tie, so the ranking inside each group changes
    await page.getByRole('button', { name: 'terminal only' }).click();
    await expect.poll(() => rewardOf('dev-0-s3')).toBe('0.000');
    const moved = expected(tarl, REWARD_PRESETS['terminal only'], 'dev-0-s3');
    expect(moved.before.rank).not.toBe(moved.after.rank); // checked in Node too
    expect(await page.locator('.rescore.reordered').count()).toBe(2);
    expect(await page.textContent('.rescore[data-group="task dev/0"] tr[data-trajectory="dev-0-s3"] .rank-moved')).toBe(`${moved.before.rank} → ${moved.after.rank}`);
    // apply-to-run is there but disabled, saying why
    expect(await page.getByRole('button', { name: 'Apply to run' }).isDisabled()).toBe(true);
    expect(await page.textContent('.apply .notice')).toMatch(/trainer is not connected/);
    worstLongTask.tuner = Math.max(0, ...sliderTasks, ...(await longTasks()));
    await page.screenshot({ path: screenshotPath('studio-tuner-terminal-only'), fullPage: true });
    console.log(`worst main-thread long task (ms): ${JSON.stringify(worstLongTask)}`);
    expect(worstLongTask.tuner).toBeLessThan(50);
    expect(errors).toEqual([]);
  });
});
