// The Rollout inspector on speech episodes (issue #10): every customer turn the policy heard is marked
// "heard as audio" with what it received (audio tokens, encoder frames, duration, channel), its
// transcript and the text espeak-ng spoke; "▶ hear" replays exactly that render — the hearing's task,
// turn index in `turns`, rollout k within the group and preset, as the trajectory records them.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTrajectory, serializeTrajectory } from '../../../src/rollout/trajectory.ts';
import { STOP_TOKEN } from '../../../src/rollout/types.ts';
import { createNodeEspeak } from '../../../src/speech/espeak-node.ts';
import { SpeechSynthesizer } from '../../../src/speech/tts.ts';
import { formatHeard, HeardTurnInfo } from '../../../src/studio/rollouts/HeardAudio.tsx';
import { ReplayCheck } from '../../../src/studio/rollouts/HearTurn.tsx';
import { heardRequest, spokenByTurn } from '../../../src/studio/rollouts/heard-replay.ts';
import { Transcript } from '../../../src/studio/rollouts/Transcript.tsx';
import { CUSTOMER, speechEpisode as fixtureEpisode } from './speech-episode-fixture.ts';

const synthesizer = new SpeechSynthesizer(createNodeEspeak());
afterAll(() => synthesizer.dispose());
const speechEpisode = (k: number, preset: 'clean' | 'telephone') => fixtureEpisode(synthesizer, k, preset);

describe('replaying a heard turn exactly', () => {
  it('replays the recorded request, and its render is the one the hearing made', async () => {
    const t = parseTrajectory(serializeTrajectory(await speechEpisode(5, 'telephone')), 'episode'); // survives a store round trip
    for (const spoken of t.speech!) {
      const text = (t.turns[spoken.turn] as { text: string }).text;
      const request = heardRequest(spoken, text);
      expect(request).toEqual({ text, taskId: 'dev#0', turn: spoken.turn, rollout: 5, preset: 'telephone' });
      // what the TTS worker renders for "▶ hear": the same audio (hash and length) the policy heard
      const r = await synthesizer.render(request);
      expect(r.key).toBe(spoken.audioKey);
      expect(r.durationS).toBeCloseTo(spoken.durationS, 12);
      expect(r.spokenText).toBe(spoken.spokenText);
    }
    // the user-turn-index / trajectory-seed ids of a text episode's preview would give other audio
    const first = t.speech![0]!;
    expect((await synthesizer.describe({ text: CUSTOMER[0]!, taskId: 'dev#0', turn: 0, rollout: t.seed, preset: 'telephone' })).key).not.toBe(first.audioKey);
  }, 60_000);

  it('says why when a trajectory does not record the voice seeds', async () => {
    const t = await speechEpisode(2, 'clean');
    const { rollout: _, ...older } = t.speech![0]!;
    expect(() => heardRequest(older, CUSTOMER[0]!)).toThrow(/does not record the voice seeds/);
  }, 60_000);
});

describe('the transcript of a speech episode', () => {
  it('marks each heard customer turn with what the policy received, its transcript and spoken text', async () => {
    const t = await speechEpisode(1, 'clean');
    const html = renderToStaticMarkup(createElement(Transcript, { trajectory: t, calls: [], cursor: 0, onPickTurn: () => undefined }));
    expect(html).toContain('data-testid="speech-episode" data-heard-turns="2"');
    expect(html).toMatch(/Speech episode: the policy heard 2 customer turns as audio \([\d.]+ s, \d+ audio tokens\), never their text\./);
    const marks = [...html.matchAll(/<div class="heard-audio" data-testid="heard-audio" data-turn="(\d+)" data-audio-tokens="(\d+)" data-encoder-frames="(\d+)" data-duration="([\d.]+)" data-preset="(\w+)">/g)];
    expect(marks.map((m) => m.slice(1).map(String))).toEqual(t.speech!.map((s) => [String(s.turn), String(s.audioTokens), String(s.encoderFrames), String(s.durationS), s.preset]));
    expect(html.match(/heard as audio<\/span>/g)).toHaveLength(2);
    expect(html.match(/<li class="turn user heard">/g)).toHaveLength(2);
    for (const s of t.speech!) {
      expect(html).toContain(formatHeard(s));
      expect(formatHeard(s)).toBe(`${s.audioTokens} audio tokens · ${s.encoderFrames} encoder frames · ${s.durationS.toFixed(2)} s · clean`);
    }
    // transcript and spoken text (the order id and the email spelled out for espeak)
    expect(t.speech![0]!.spokenText).not.toBe(CUSTOMER[0]);
    const html0 = renderToStaticMarkup(createElement(HeardTurnInfo, { spoken: t.speech![0]!, text: CUSTOMER[0]! }));
    expect(html0).toContain(`<span class="heard-label">transcript</span> <span class="text">${CUSTOMER[0]!.replaceAll("'", '&#x27;')}</span>`);
    expect(html0).toContain(`<span class="heard-label">spoken</span> <span>${t.speech![0]!.spokenText.replaceAll("'", '&#x27;')}</span>`);
    // the stop message was never heard: a plain user turn, and (as in text episodes) nothing to hear
    expect(html).toContain(`<li class="turn user"><span class="who">user</span> <span class="text">${STOP_TOKEN}</span></li>`);
    // every heard turn has its "▶ hear", which replays the run's channel
    expect(html.match(/title="Replay the audio the policy heard \(clean, the hearing&#x27;s voice for this turn and rollout\)">▶ hear<\/button>/g)).toHaveLength(2);
    expect(spokenByTurn(t).get(3)).toBe(t.speech![1]);
  }, 60_000);

  it('leaves text episodes as they were: no marks, the preview "▶ hear" on user turns', async () => {
    const { speech: _, ...text } = await speechEpisode(0, 'clean');
    const html = renderToStaticMarkup(createElement(Transcript, { trajectory: text, calls: [], cursor: 0, onPickTurn: () => undefined }));
    expect(html).not.toContain('heard-audio');
    expect(html).not.toContain('speech-episode');
    expect(html).toContain(`<li class="turn user"><span class="who">user</span> <span class="text">${CUSTOMER[0]!.replaceAll("'", '&#x27;')}</span>`);
    expect(html.match(/title="Speak this turn \(clean\) in the speech worker">▶ hear<\/button>/g)).toHaveLength(2);
  }, 60_000);

  it('says whether a replay is the recorded render', () => {
    const ok = renderToStaticMarkup(createElement(ReplayCheck, { rollout: 3, exact: true, audioKey: 'ab'.repeat(32), time: 'cached' }));
    expect(ok).toContain('data-testid="heard-replay" data-rollout="3" data-exact="true"');
    expect(ok).toContain('✓ the audio the policy heard (rollout 3 of its group)');
    const bad = renderToStaticMarkup(createElement(ReplayCheck, { rollout: 3, exact: false, audioKey: 'cd'.repeat(32), time: 'rendered in 1.2 s' }));
    expect(bad).toContain('class="heard-replay error-text"');
    expect(bad).toContain('differs from the recorded one');
  });
});
