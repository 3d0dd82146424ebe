import { describe, expect, it } from 'vitest';
import { configuredSteps, formatDuration, progressOf } from '../../../src/studio/training/progress.ts';

describe('progress', () => {
  it('estimates the remaining time from the recent step times', () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ step: i, 'time/step_ms': i < 10 ? 99_999 : 2000 }));
    const p = progressOf(rows, 100);
    expect(p).toEqual({ done: 30, total: 100, fraction: 0.3, etaMs: 70 * 2000 }); // last 20 steps only
    expect(progressOf(rows, null).etaMs).toBeNull();
    expect(progressOf([{ step: 4 }], 10)).toEqual({ done: 5, total: 10, fraction: 0.5, etaMs: null });
    expect(progressOf([], 10).done).toBe(0);
  });
  it('reads the step count from a config and formats durations', () => {
    expect(configuredSteps({ steps: 200 })).toBe(200);
    expect(configuredSteps({ steps: '200' })).toBeNull();
    expect(configuredSteps(null)).toBeNull();
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(3_725_000)).toBe('1 h 2 min');
  });
});
