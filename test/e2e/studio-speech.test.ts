// "▶ hear" on the rollout inspector's user turns, in headless Chromium: the turn is rendered by the TTS
// worker with the voice seeded by (task, user-turn index, rollout seed), played from a WAV blob, and the
// stats line shows what the policy would receive. The same requests rendered in Node give the expected
// content hash (text, voice, preset, noise seed) and sample count, so the seeding and the counts are
// checked exactly, not just "non-zero".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeTrajectory, type Trajectory } from '../../src/rollout/trajectory.ts';
import { createNodeEspeak } from '../../src/speech/espeak-node.ts';
import type { PresetName } from '../../src/speech/presets.ts';
import { USER_STOP } from '../../src/sandbox/retail/env.ts';
import { speakableText } from '../../src/speech/speakable.ts';
import { SpeechSynthesizer } from '../../src/speech/tts.ts';
import { STOP_TOKEN } from '../../src/rollout/types.ts';
import { turnSpeechStats, userTurnSpeechId } from '../../src/speech/turn-speech.ts';
import { openStudio, screenshotPath, type Studio } from '../helpers/browser.ts';
import { realEpisodes } from '../unit/studio/episode-fixture.ts';

let studio: Studio;
let episode: Trajectory;
let userTexts: string[];
const errors: string[] = [];
const tts = new SpeechSynthesizer(createNodeEspeak());

beforeAll(async () => {
  const episodes = await realEpisodes();
  episode = episodes.find((t) => t.id === 'dev-0-s1')!;
  userTexts = episode.turns.flatMap((t) => (t.role === 'user' ? [t.text] : []));
  studio = await openStudio(errors);
  const jsonl = episodes.map(serializeTrajectory).join('\n') + '\n';
  await studio.page.getByRole('button', { name: 'Rollouts', exact: true }).click();
  await studio.page.setInputFiles('[data-testid="trajectory-file"]', { name: 'episodes.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(jsonl) });
  await studio.page.click('.rollout-list tr[data-key="dev-0-s1"]');
  await studio.page.waitForSelector('.detail[data-open="dev-0-s1"] .transcript .turn.user');
});
afterAll(async () => {
  await studio?.close();
  tts.dispose();
});

const userTurn = (k: number) => studio.page.locator('.transcript .turn.user').nth(k);

/** Clicks "hear" on user turn k and waits for a blob: audio other than `previousSrc`. */
async function hear(k: number, previousSrc?: string) {
  const turn = userTurn(k);
  await turn.getByRole('button', { name: '▶ hear' }).click();
  // an inline error ends the wait with its message; otherwise wait for a new blob: source
  const state = () =>
    turn.evaluate((li, prev) => {
      const error = li.querySelector('.speech-error')?.textContent;
      if (error) return `error: ${error}`;
      const src = li.querySelector('audio')?.getAttribute('src') ?? '';
      return src && src !== prev && !li.querySelector('.hear-button[disabled]') ? src : 'waiting';
    }, previousSrc ?? '');
  await expect.poll(state, { timeout: 120_000, interval: 250 }).toMatch(/^blob:/);
  const stats = turn.getByTestId('speech-stats');
  const data = (name: string) => stats.getAttribute(`data-${name}`);
  return {
    src: (await turn.locator('audio').getAttribute('src'))!,
    preset: await data('preset'),
    key: await data('key'),
    durationS: Number(await data('duration')),
    melFrames: Number(await data('mel-frames')),
    listenerFrames: Number(await data('listener-frames')),
    audioTokens: Number(await data('audio-tokens')),
    text: (await stats.textContent())!,
    title: (await stats.getAttribute('title'))!,
  };
}

async function expectedRender(k: number, preset: PresetName) {
  const r = await tts.render({ text: userTexts[k]!, ...userTurnSpeechId(episode, k), preset });
  return { key: r.key, stats: turnSpeechStats(r.pcm.length) };
}

describe('hear a user turn', () => {
  it('renders the first user turn in the worker, plays it and shows duration and token counts; telephone gives other audio', async () => {
    const { page } = studio;
    expect(userTexts.length).toBeGreaterThan(1);
    // every user turn but the stop marker (it ends the episode, the policy never hears it) can be heard
    expect(userTexts.at(-1)).toBe(USER_STOP);
    expect(STOP_TOKEN).toBe(USER_STOP);
    expect(await page.locator('.transcript .turn.user .hear-button').count()).toBe(userTexts.length - 1);
    expect(await userTurn(userTexts.length - 1).locator('.hear').count()).toBe(0);

    expect(page.workers().filter((w) => w.url().includes('tts.worker')).length).toBe(0); // created on the first click
    const clean = await hear(0);
    // rendered in the worker: espeak-ng's wasm was fetched (and compiled) there, not by the page
    expect(page.workers().filter((w) => w.url().includes('tts.worker')).length).toBe(1);
    const wasmFetches = () => performance.getEntriesByType('resource').filter((e) => /espeak-ng\.wasm$/.test(e.name)).length;
    expect(await page.workers().find((w) => w.url().includes('tts.worker'))!.evaluate(wasmFetches)).toBe(1);
    expect(await page.evaluate(wasmFetches)).toBe(0);
    const want = await expectedRender(0, 'clean');
    expect(userTurnSpeechId(episode, 0)).toEqual({ taskId: 'dev#0', turn: 0, rollout: 1 });
    expect(clean.preset).toBe('clean');
    expect(clean.key).toBe(want.key); // same spoken text, seeded voice, preset and noise seed as Node
    expect(clean.durationS).toBeGreaterThan(0.5);
    expect(clean.durationS).toBeCloseTo(want.stats.durationS, 6);
    expect(clean.melFrames).toBe(want.stats.melFrames);
    expect(clean.listenerFrames).toBe(want.stats.listenerFrames);
    expect(clean.audioTokens).toBe(want.stats.audioTokens);
    expect(clean.melFrames).toBeGreaterThan(0);
    expect(clean.listenerFrames).toBeGreaterThan(0);
    expect(clean.audioTokens).toBeGreaterThan(0);
    const s = want.stats;
    // the counts by hand: hop 160; LISTENER_SMALL's conv k12 s4 p4, then two k5 s1 p2 (length kept); 2 frames per token
    expect(s.melFrames).toBe(Math.floor(s.samples / 160));
    expect(s.listenerFrames).toBe(Math.floor((s.melFrames + 2 * 4 - 12) / 4) + 1);
    expect(s.audioTokens).toBe(Math.ceil(s.listenerFrames / 2));
    expect(clean.text).toContain(`${s.durationS.toFixed(2)} s · ${s.melFrames} mel frames · ${s.listenerFrames} listener frames · ${s.audioTokens} audio tokens (stack 2)`);
    expect(clean.title).toMatch(/mel frames: Whisper log-mel.*\n.*listener frames: the project's encoder.*\n.*audio tokens: 2 listener frames stacked/);
    // the <audio> element really decodes the WAV blob
    await expect.poll(() => userTurn(0).locator('audio').evaluate((a: HTMLAudioElement) => a.duration), { timeout: 10_000 }).toBeCloseTo(s.durationS, 2);

    await page.selectOption('select[aria-label="Speech preset"]', 'telephone');
    const phone = await hear(0, clean.src);
    expect(page.workers().filter((w) => w.url().includes('tts.worker')).length).toBe(1); // shared, not one per click
    const wantPhone = await expectedRender(0, 'telephone');
    expect(phone.src).not.toBe(clean.src);
    expect(phone.preset).toBe('telephone');
    expect(phone.key).toBe(wantPhone.key);
    expect(phone.key).not.toBe(clean.key);
    expect(phone.melFrames).toBe(clean.melFrames); // the channel filters and adds noise, the length stays
    expect(phone.text).toMatch(/^telephone · /);
    // "#W5442520" is read as "W five four …": the spoken text is shown under the controls
    expect(speakableText(userTexts[0]!)).not.toBe(userTexts[0]);
    expect(await userTurn(0).locator('.speech-spoken').textContent()).toBe(`spoken: “${speakableText(userTexts[0]!)}”`);
    await page.screenshot({ path: screenshotPath('studio-speech-hear'), fullPage: true });
  });

  it('seeds a later user turn with its own user-turn index, with the telephone preset still selected', async () => {
    const k = 1;
    const got = await hear(k);
    const want = await expectedRender(k, 'telephone');
    expect(userTurnSpeechId(episode, k)).toEqual({ taskId: 'dev#0', turn: 1, rollout: 1 });
    expect(got.preset).toBe('telephone');
    expect(got.key).toBe(want.key);
    expect(got.audioTokens).toBe(want.stats.audioTokens);
    // the zip code is spelled digit by digit
    expect(await userTurn(k).locator('.speech-spoken').textContent()).toBe(`spoken: “${speakableText(userTexts[k]!)}”`);
    // the first turn keeps its own audio; one voice plays at a time
    await expect.poll(() => userTurn(0).locator('audio').evaluate((a: HTMLAudioElement) => a.paused)).toBe(true);
    expect(await userTurn(0).getByTestId('speech-stats').getAttribute('data-preset')).toBe('telephone');
    await studio.page.screenshot({ path: screenshotPath('studio-speech-spoken'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('shows a rendering error inline and keeps the page working', async () => {
    const { page } = studio;
    // a trajectory whose seed cannot seed a voice (turnSeed wants a non-negative integer)
    const bad = { ...episode, id: 'bad-seed', seed: -1 };
    await page.setInputFiles('[data-testid="trajectory-file"]', { name: 'bad.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(serializeTrajectory(bad) + '\n') });
    await page.click('.rollout-list tr[data-key="bad-seed"]');
    await page.waitForSelector('.detail[data-open="bad-seed"] .transcript .turn.user');
    await userTurn(0).getByRole('button', { name: '▶ hear' }).click();
    await expect.poll(() => userTurn(0).locator('.speech-error').textContent().catch(() => ''), { timeout: 60_000 }).toMatch(/^speech failed: .*rollout must be a non-negative integer/);
    expect(await userTurn(0).locator('audio').count()).toBe(0);
    expect(await userTurn(0).getByRole('button', { name: '▶ hear' }).isEnabled()).toBe(true);
    expect(errors).toEqual([]);
  });
});
