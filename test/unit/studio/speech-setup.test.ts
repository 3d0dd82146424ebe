// The Setup panel's speech fields (issue #10): speechShare (number or schedule JSON), speech.preset and
// speech.projectorLrMultiplier, judged by the training config's own validation; the messages that
// concern them are shown beside them, and speech on the toy task is refused before the trainer is asked.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { SPEECH_HINT, SpeechSettings } from '../../../src/studio/panels/SetupPanel.tsx';
import { canExceedZero } from '../../../src/rl/schedule.ts';
import { initialSetup, parseField, setConfigPath, setupProblems, speechFieldProblems, storedRunConfig, type SetupState } from '../../../src/studio/setup/setup-config.ts';

const policy = { kind: 'builtin', name: 'tiny', url: '/models/x/' } as const;
/** A ready setup with `text` typed into the field at `path` (as the Field component parses it). */
function typed(path: string, text: string, task: SetupState['task'] = 'retail'): SetupState {
  const s = initialSetup();
  return { ...s, policy, task, config: setConfigPath(s.config, path, parseField(text)) };
}
const problemsOf = (s: SetupState) => setupProblems(s, false);

describe('speech fields: validation', () => {
  it('accepts the defaults, a share and the docs warm-up schedule typed as JSON', () => {
    expect(problemsOf(typed('speechShare', '0'))).toEqual([]);
    expect(problemsOf(typed('speechShare', '0.5'))).toEqual([]);
    const warmup = typed('speechShare', '{"points": [[0, 0], [30, 0.5]]}');
    expect(warmup.config.speechShare).toEqual({ points: [[0, 0], [30, 0.5]] });
    expect(problemsOf(warmup)).toEqual([]);
    expect(problemsOf(typed('speech.preset', 'telephone'))).toEqual([]);
    expect(problemsOf(typed('speech.projectorLrMultiplier', '5'))).toEqual([]);
  });

  it('shows the config validation messages of the speech keys beside the fields, and only those', () => {
    const cases: [string, string, string][] = [
      ['speechShare', '2', 'speechShare: value 2 is above the maximum 1'],
      ['speechShare', 'half', 'speechShare: a schedule is a number or { "points": [[step, value], ...], "interpolation"? }'],
      ['speechShare', '{"points": [[0, 0], [5, 1.5]]}', 'speechShare.points[1]: value 1.5 is above the maximum 1'],
      ['speechShare', '{"points": [[0, 0], [5, 1.5]', 'speechShare: a schedule is a number or { "points": [[step, value], ...], "interpolation"? }'],
      ['speech.preset', 'radio', 'speech.preset: must be one of "clean", "telephone", got "radio"'],
      ['speech.projectorLrMultiplier', '0', 'speech.projectorLrMultiplier: must be > 0, got 0'],
      ['speech.projectorLrMultiplier', 'x3', 'speech.projectorLrMultiplier: must be number, got "x3"'],
    ];
    for (const [path, text, message] of cases) {
      const s = typed(path, text);
      const all = problemsOf({ ...s, policy: null, config: setConfigPath(s.config, 'lr', -1) });
      expect(all).toContain(message);
      expect(all).toContain('Choose a policy model.');
      // beside the speech fields: the speech message, not the policy's nor lr's
      expect(speechFieldProblems(all)).toEqual([message]);
    }
  });

  it('refuses speech episodes on the toy task (no customer turns to hear), with a share or a schedule', () => {
    for (const text of ['0.25', '{"points": [[0, 0], [3, 0.5]]}']) {
      const p = problemsOf(typed('speechShare', text, 'toy'));
      expect(p).toHaveLength(1);
      expect(p[0]).toMatch(/^Speech episodes need the τ-bench retail task/);
      expect(speechFieldProblems(p)).toEqual(p);
    }
    expect(problemsOf(typed('speechShare', '{"points": [[0, 0], [3, 0]]}', 'toy'))).toEqual([]);
  });

  it('tells whether a config can draw speech episodes (the trainer worker loads the hearing only then)', () => {
    const c = initialSetup().config;
    expect(canExceedZero(c.speechShare)).toBe(false);
    expect(canExceedZero(0.1)).toBe(true);
    expect(canExceedZero({ points: [[0, 0], [30, 0]] })).toBe(false);
    expect(canExceedZero({ points: [[0, 0], [30, 0.5]] })).toBe(true);
  });

  it('stores the speech settings with the run (so a resumed run hears the same way)', () => {
    const s = typed('speechShare', '{"points": [[0, 0], [30, 0.5]]}');
    const stored = storedRunConfig({ ...s, config: setConfigPath(setConfigPath(s.config, 'speech.preset', 'telephone'), 'speech.projectorLrMultiplier', 2) });
    expect(stored.speechShare).toEqual({ points: [[0, 0], [30, 0.5]] });
    expect(stored.speech).toEqual({ preset: 'telephone', projectorLrMultiplier: 2 });
  });
});

describe('speech fields: rendering', () => {
  it('lists the three fields with the one-line hint, and no messages when there are none', () => {
    const html = renderToStaticMarkup(createElement(SpeechSettings, { problems: [] }));
    expect(html).toContain('aria-label="Speech episodes"');
    expect(SPEECH_HINT).toMatch(/every customer turn.*TTS.*listener.*projector/);
    expect(html).toContain(`data-testid="speech-hint">${SPEECH_HINT}</p>`);
    // the defaults: share 0, clean channel, projector lr × 3
    expect(html).toContain('<input aria-label="speech share (number or schedule JSON)" data-path="speechShare" value="0"/>');
    expect(html).toMatch(/<select aria-label="speech channel">.*<option value="clean" selected="">clean<\/option><option value="telephone">telephone/);
    expect(html).toContain('<input aria-label="projector lr × (times the learning rate)" data-path="speech.projectorLrMultiplier" value="3"/>');
    expect(html).not.toContain('speech-problems');
  });

  it('shows the messages it is given beside the fields', () => {
    const problems = ['speechShare: value 2 is above the maximum 1', 'speech.preset: must be one of "clean", "telephone", got "radio"'];
    const html = renderToStaticMarkup(createElement(SpeechSettings, { problems }));
    expect(html).toContain('data-testid="speech-problems"');
    expect(html).toContain('<li>speechShare: value 2 is above the maximum 1</li>');
    expect(html).toContain('<li>speech.preset: must be one of &quot;clean&quot;, &quot;telephone&quot;, got &quot;radio&quot;</li>');
  });
});
