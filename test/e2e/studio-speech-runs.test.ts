// Speech runs in the studio, in headless Chromium: the Setup panel's speech fields (validated by the
// training config's schema, messages beside the fields, speech refused on the toy task), and the
// Rollout inspector on a speech episode: heard customer turns are marked with what the policy received,
// and "▶ hear" replays exactly the render the hearing made (the recorded voice seeds, audio rendered by
// the TTS worker, its hash compared with the recorded one).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeTrajectory, type Trajectory } from '../../src/rollout/trajectory.ts';
import { createNodeEspeak } from '../../src/speech/espeak-node.ts';
import { SpeechSynthesizer } from '../../src/speech/tts.ts';
import { openStudio, screenshotPath, type Studio } from '../helpers/browser.ts';
import { speechEpisode } from '../unit/studio/speech-episode-fixture.ts';

let studio: Studio;
let episode: Trajectory;
const errors: string[] = [];
const tts = new SpeechSynthesizer(createNodeEspeak());

beforeAll(async () => {
  episode = await speechEpisode(tts, 5, 'telephone');
  studio = await openStudio(errors);
});
afterAll(async () => {
  await studio?.close();
  tts.dispose();
});

const SHARE = 'input[aria-label="speech share (number or schedule JSON)"]';
const LR_X = 'input[aria-label="projector lr × (times the learning rate)"]';
const speechProblems = () => studio.page.locator('[data-testid="speech-problems"]');

describe('speech fields in the Setup panel', () => {
  it('validates the share, the schedule JSON, the channel and the projector lr multiplier with the config schema', async () => {
    const { page } = studio;
    await page.waitForSelector('[data-testid="speech-hint"]');
    expect(await page.textContent('[data-testid="speech-hint"]')).toMatch(/every customer turn.*TTS.*listener.*projector/);
    expect(await page.inputValue(SHARE)).toBe('0');
    expect(await speechProblems().count()).toBe(0);

    await page.fill(SHARE, '2');
    expect(await speechProblems().textContent()).toBe('speechShare: value 2 is above the maximum 1');
    expect(await page.textContent('[data-testid="setup-problems"]')).toContain('speechShare: value 2 is above the maximum 1');
    await page.fill(SHARE, '{"points": [[0, 0], [30, 1.5]]}');
    expect(await speechProblems().textContent()).toBe('speechShare.points[1]: value 1.5 is above the maximum 1');
    await page.fill(SHARE, '{"points": [[0, 0], [30, 0.5]]}');
    expect(await speechProblems().count()).toBe(0);

    await page.selectOption('select[aria-label="speech channel"]', 'telephone');
    await page.fill(LR_X, '0');
    expect(await speechProblems().textContent()).toBe('speech.projectorLrMultiplier: must be > 0, got 0');
    await page.fill(LR_X, '3');
    expect(await speechProblems().count()).toBe(0);

    // the tiny model switches to the toy task, which has no customer turns to hear
    await page.getByRole('button', { name: 'Use the tiny random model (for trying the pipeline)' }).click();
    expect(await speechProblems().textContent()).toMatch(/^Speech episodes need the τ-bench retail task/);
    expect(await page.getByRole('button', { name: 'Start training' }).isDisabled()).toBe(true);
    await page.screenshot({ path: screenshotPath('studio-speech-setup'), fullPage: true });
    await page.fill(SHARE, '0');
    expect(await speechProblems().count()).toBe(0);
  });
});

describe('a speech episode in the Rollout inspector', () => {
  it('marks the heard customer turns and replays exactly the audio the policy heard', async () => {
    const { page } = studio;
    await page.getByRole('button', { name: 'Rollouts', exact: true }).click();
    await page.setInputFiles('[data-testid="trajectory-file"]', { name: 'speech.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(serializeTrajectory(episode) + '\n') });
    await page.click(`.rollout-list tr[data-key="${episode.id}"]`);
    await page.waitForSelector('.transcript .turn.user.heard');
    expect(await page.getAttribute('[data-testid="speech-episode"]', 'data-heard-turns')).toBe('2');
    const marks = page.locator('[data-testid="heard-audio"]');
    expect(await marks.count()).toBe(2);
    for (const [j, s] of episode.speech!.entries()) {
      const m = marks.nth(j);
      expect(await m.getAttribute('data-turn')).toBe(String(s.turn));
      expect(await m.getAttribute('data-audio-tokens')).toBe(String(s.audioTokens));
      expect(await m.getAttribute('data-preset')).toBe('telephone');
      expect(await m.locator('.heard-spoken').textContent()).toBe(`spoken ${s.spokenText}`);
    }

    const turn = page.locator('.transcript .turn.user.heard').nth(1);
    await turn.getByRole('button', { name: '▶ hear' }).click();
    const state = () =>
      turn.evaluate((li) => {
        const error = li.querySelector('.speech-error')?.textContent;
        if (error) return `error: ${error}`;
        const check = li.querySelector('[data-testid="heard-replay"]');
        return check ? `rollout ${check.getAttribute('data-rollout')} exact ${check.getAttribute('data-exact')} key ${check.getAttribute('data-key')}` : 'waiting';
      });
    const spoken = episode.speech![1]!;
    await expect.poll(state, { timeout: 120_000, interval: 250 }).toBe(`rollout 5 exact true key ${spoken.audioKey}`);
    expect(await turn.locator('[data-testid="heard-replay"]').textContent()).toMatch(/^✓ the audio the policy heard \(rollout 5 of its group\)/);
    // the <audio> element decodes the render: as long as what the policy heard
    await expect.poll(() => turn.locator('audio').evaluate((a: HTMLAudioElement) => a.duration), { timeout: 10_000 }).toBeCloseTo(spoken.durationS, 2);
    await page.screenshot({ path: screenshotPath('studio-speech-heard'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
