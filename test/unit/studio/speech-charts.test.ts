// The Training panel's speech charts (issue #10): listed only for runs with speech, fed by the flat
// speech metrics, with steps that had no episodes of a kind left as gaps rather than zeros.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { prepareChart, RAW, yAxis, type ChartRow } from '../../../src/studio/charts/series.ts';
import { ChartGrid } from '../../../src/studio/panels/TrainingPanel.tsx';
import { CHARTED_METRICS, chartsFor, hasSpeech, METRIC_CHARTS, SPEECH_CHARTS, SPEECH_METRICS } from '../../../src/studio/training/chart-specs.ts';

const { share, speechSuccess, textSuccess } = SPEECH_METRICS;
const base = (step: number): ChartRow => ({ step, 'reward/total': 1 + step, success_rate: 0.5, kl: 0.01 });
/** A text-only run as older trainers wrote it: no speech_share at all. */
const oldRun: ChartRow[] = [0, 1, 2].map((s) => ({ ...base(s), [textSuccess]: 0.5 }));
/** A text-only run of the current trainer: share 0 at every step. */
const textRun: ChartRow[] = [0, 1, 2].map((s) => ({ ...base(s), [share]: 0, [textSuccess]: 0.5 }));
/** A warm-up 0 → 0.5: step 0 draws no speech (no speech success), step 2 drew only speech episodes (no text success). */
const speechRun: ChartRow[] = [
  { ...base(0), [share]: 0, [textSuccess]: 0.25 },
  { ...base(1), [share]: 0.25, [speechSuccess]: 0, [textSuccess]: 0.5 },
  { ...base(2), [share]: 0.5, [speechSuccess]: 1 },
  { ...base(3), [share]: 0.5, [speechSuccess]: 0.5, [textSuccess]: 0.75 },
];
const ids = (rows: readonly ChartRow[]) => chartsFor(rows).map((c) => c.id);

describe('speech chart specs', () => {
  it('follow the existing spec shape, with a [0, 1] range, and stay out of CHARTED_METRICS', () => {
    expect(SPEECH_CHARTS.map((c) => [c.id, c.title])).toEqual([['speech-share', 'Speech share'], ['speech-success', 'Speech vs text success']]);
    expect(SPEECH_CHARTS[0].series.map((s) => s.key)).toEqual(['speech_share']);
    expect(SPEECH_CHARTS[1].series.map((s) => [s.key, s.label])).toEqual([['success_rate/speech', 'speech'], ['success_rate/retail', 'text']]);
    for (const c of SPEECH_CHARTS) {
      expect(c.speech).toBe(true);
      expect(c.yRange).toEqual([0, 1]);
      for (const s of c.series) expect(s.color).toMatch(/^#[0-9a-f]{6}$/);
    }
    const all = [...METRIC_CHARTS, ...SPEECH_CHARTS].map((c) => c.id);
    expect(new Set(all).size).toBe(all.length);
    expect(CHARTED_METRICS.some((k) => k === share || k.startsWith('success_rate/'))).toBe(false);
  });
});

describe('which charts a run lists', () => {
  it('lists no speech charts for runs without speech (old events without speech_share, or share 0 throughout)', () => {
    for (const rows of [[], oldRun, textRun]) {
      expect(hasSpeech(rows)).toBe(false);
      expect(ids(rows)).toEqual(METRIC_CHARTS.map((c) => c.id));
    }
  });
  it('lists both speech charts, right after success, once any step has speech', () => {
    const expected = ['reward', 'success', 'speech-share', 'speech-success', ...METRIC_CHARTS.slice(2).map((c) => c.id)];
    expect(ids(speechRun)).toEqual(expected);
    // a share above 0 alone (no speech episode finished yet) or a speech success alone is enough
    expect(ids([...textRun, { ...base(3), [share]: 0.1 }])).toEqual(expected);
    expect(ids([...oldRun, { ...base(3), [speechSuccess]: 1 }])).toEqual(expected);
    expect(hasSpeech([{ step: 0, [share]: NaN }])).toBe(false);
  });
});

describe('speech series', () => {
  const [shareChart, successChart] = SPEECH_CHARTS;
  const keysOf = (c: (typeof SPEECH_CHARTS)[number]) => c.series.map((s) => s.key);
  it('charts the share per step, its zeros included', () => {
    const p = prepareChart(speechRun, keysOf(shareChart), 0, 300);
    expect(p.steps).toBe(4);
    expect(p.data.map((r) => [r.step, r[share], r[RAW + share]])).toEqual([[0, 0, 0], [1, 0.25, 0.25], [2, 0.5, 0.5], [3, 0.5, 0.5]]);
    // rows of an old run carry no share: no points rather than zeros
    expect(prepareChart(oldRun, keysOf(shareChart), 0, 300)).toEqual({ data: [], steps: 0 });
  });
  it('leaves a kind without episodes at a step as a gap, not a zero', () => {
    const p = prepareChart(speechRun, keysOf(successChart), 0, 300);
    expect(p.steps).toBe(4);
    const at = (step: number) => p.data.find((r) => r.step === step)!;
    expect(speechSuccess in at(0)).toBe(false);
    expect(RAW + speechSuccess in at(0)).toBe(false);
    expect(at(0)[textSuccess]).toBe(0.25);
    expect(textSuccess in at(2)).toBe(false);
    expect(at(2)[speechSuccess]).toBe(1);
    expect(p.data.map((r) => r[RAW + speechSuccess])).toEqual([undefined, 0, 1, 0.5]);
    expect(p.data.map((r) => r[RAW + textSuccess])).toEqual([0.25, 0.5, undefined, 0.75]);
    // a step with neither kind (e.g. an eval-only row) is not drawn at all
    expect(prepareChart([...speechRun, { step: 4, 'eval/pass1': 0.5 }], keysOf(successChart), 0, 300).steps).toBe(4);
  });
  it('smooths each kind over its own steps: a gap does not pull the average towards 0', () => {
    const p = prepareChart(speechRun, keysOf(successChart), 0.5, 300);
    const text = p.data.map((r) => r[textSuccess]);
    // text values 0.25, 0.5, (gap), 0.75 → bias-corrected EMA over the three present values
    expect(text[0]).toBeCloseTo(0.25, 12);
    expect(text[1]).toBeCloseTo((0.25 * 0.25 + 0.5 * 0.5) / 0.75, 12);
    expect(text[2]).toBeUndefined();
    expect(text[3]).toBeCloseTo((0.125 * 0.25 + 0.25 * 0.5 + 0.5 * 0.75) / 0.875, 12);
    expect(p.data[3][RAW + textSuccess]).toBe(0.75);
  });
  it('downsamples long speech runs like the other charts', () => {
    const rows: ChartRow[] = Array.from({ length: 2000 }, (_, i) => ({ step: i, [share]: Math.min(0.5, i / 60), ...(i % 3 ? { [speechSuccess]: (i % 7) / 6 } : {}), [textSuccess]: 0.5 }));
    const p = prepareChart(rows, keysOf(successChart), 0, 300);
    expect(p.steps).toBe(2000);
    expect(p.data.length).toBeLessThanOrEqual(300);
    expect(p.data.every((r) => !(speechSuccess in r) || r.step % 3 !== 0)).toBe(true);
  });
});

describe('yAxis with a known range', () => {
  it('keeps [0, 1] for a flat or partial share and widens only for values outside it', () => {
    expect(yAxis([{ step: 0, a: 0.5 }, { step: 1, a: 0.5 }], ['a'], [0, 1])).toEqual({ domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1] });
    expect(yAxis([{ step: 0, a: 0 }, { step: 1, a: 0.3 }], ['a'], [0, 1]).domain).toEqual([0, 1]);
    expect(yAxis([{ step: 0, b: 1 } as ChartRow], ['a'], [0, 1]).domain).toEqual([0, 1]);
    expect(yAxis([{ step: 0, a: 1.2 }], ['a'], [0, 1]).domain).toEqual([0, 1.2]);
    // without a range a flat series gets ±10% around its value
    const flat = yAxis([{ step: 0, a: 0.5 }, { step: 1, a: 0.5 }], ['a']).domain;
    expect(flat[0]).toBeLessThanOrEqual(0.45);
    expect(flat[1]).toBeGreaterThanOrEqual(0.55);
  });
});

describe('ChartGrid (Training panel charts)', () => {
  const render = (rows: ChartRow[]) => renderToStaticMarkup(createElement(ChartGrid, { rows, smoothing: 0.6, allRows: () => rows }));
  const charts = (html: string) => [...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]);
  it('draws no speech charts (not even empty ones) for a text-only run', () => {
    for (const rows of [oldRun, textRun]) {
      const html = render(rows);
      expect(charts(html)).not.toContain('speech-share');
      expect(charts(html)).not.toContain('speech-success');
      expect(html).not.toMatch(/Speech/);
    }
  });
  it('draws both speech charts with their steps, legend and exports for a speech run', () => {
    const html = render(speechRun);
    expect(charts(html)).toEqual(['reward', 'success', 'speech-share', 'speech-success', 'kl', 'entropy', 'response-length', 'wait-rate', 'grad-norm', 'tokens-per-s']);
    expect(html).toMatch(/data-chart="speech-share"[^>]*data-steps="4"/);
    expect(html).toMatch(/data-chart="speech-success"[^>]*data-steps="4"/);
    expect(html).toContain('Speech vs text success');
    expect(html).toContain('aria-label="Export Speech share as CSV"');
    expect(html).toContain('aria-label="Export Speech vs text success as PNG"');
    expect(html).toMatch(/<li style="color:#8e44ad">speech<\/li><li style="color:#1f8a4c">text<\/li>/);
  });
});
