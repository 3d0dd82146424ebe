import { describe, expect, it } from 'vitest';
import { ramp, scheduleValue, validateSchedule, type ScheduleSpec } from '../../../src/rl/schedule.ts';

describe('schedules', () => {
  it('constant', () => {
    expect(scheduleValue(0.3, 0)).toBe(0.3);
    expect(scheduleValue(0.3, 1e6)).toBe(0.3);
  });

  it('expresses a 30-step multimodal warm-up (speech share 0 → 0.5)', () => {
    const warmup = validateSchedule({ points: [[0, 0], [30, 0.5]] }, 'speechShare', { min: 0, max: 1 });
    expect(scheduleValue(warmup, 0)).toBe(0);
    expect(scheduleValue(warmup, 15)).toBeCloseTo(0.25, 12);
    expect(scheduleValue(warmup, 29)).toBeCloseTo(0.5 * 29 / 30, 12);
    expect(scheduleValue(warmup, 30)).toBe(0.5);
    expect(scheduleValue(warmup, 1000)).toBe(0.5);
    expect(ramp(0, 0.5, 0, 30)).toEqual(warmup);
  });

  it('holds the first value before the first point', () => {
    expect(scheduleValue({ points: [[10, 2], [20, 4]] }, 3)).toBe(2);
    expect(scheduleValue({ points: [[10, 2], [20, 4]] }, 15)).toBe(3);
  });

  it('step interpolation holds each value until the next point', () => {
    const s: ScheduleSpec = { points: [[0, 1], [100, 0.5], [200, 0.25]], interpolation: 'step' };
    expect([0, 99, 100, 199, 200, 5000].map((x) => scheduleValue(s, x))).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
  });

  it('two points at one step make a jump inside a linear schedule', () => {
    const s: ScheduleSpec = { points: [[0, 0], [10, 0.1], [10, 1], [20, 0]] };
    expect(scheduleValue(s, 5)).toBeCloseTo(0.05, 12);
    expect(scheduleValue(s, 9.5)).toBeCloseTo(0.095, 12);
    expect(scheduleValue(s, 10)).toBe(1);
    expect(scheduleValue(s, 15)).toBeCloseTo(0.5, 12);
  });

  it('cosine decay', () => {
    const s: ScheduleSpec = { points: [[0, 1], [100, 0]], interpolation: 'cosine' };
    expect(scheduleValue(s, 0)).toBe(1);
    expect(scheduleValue(s, 50)).toBeCloseTo(0.5, 12);
    expect(scheduleValue(s, 25)).toBeCloseTo((1 + Math.cos(Math.PI / 4)) / 2, 12);
    expect(scheduleValue(s, 100)).toBe(0);
  });

  it('rejects bad schedules with the path and the reason', () => {
    const bad: Array<[unknown, RegExp]> = [
      ['x', /^temp: a schedule is a number or/],
      [Number.NaN, /^temp: value must be a finite number/],
      [{ points: [] }, /^temp\.points: must be a non-empty array/],
      [{ points: [[0, 1]], foo: 1 }, /^temp\.foo: unknown key/],
      [{ points: [[0, 1]], interpolation: 'spline' }, /^temp\.interpolation: must be one of linear, step, cosine/],
      [{ points: [[0, 1], [1]] }, /^temp\.points\[1\]: must be a pair/],
      [{ points: [[0.5, 1]] }, /^temp\.points\[0\]: step must be a non-negative integer/],
      [{ points: [[-1, 1]] }, /step must be a non-negative integer/],
      [{ points: [[5, 1], [3, 1]] }, /^temp\.points\[1\]: step 3 comes before the previous point's step 5/],
      [{ points: [[5, 1], [5, 2], [5, 1.5]] }, /^temp\.points\[2\]: more than two points at step 5/],
      [{ points: [[0, 1], [10, 'a']] }, /^temp\.points\[1\]: value must be a finite number/],
      [{ points: [[0, 0.5], [10, 3]] }, /^temp\.points\[1\]: value 3 is above the maximum 2/],
      [-0.1, /^temp: value -0.1 is below the minimum 0/],
    ];
    for (const [spec, message] of bad) expect(() => validateSchedule(spec, 'temp', { min: 0, max: 2 })).toThrow(message);
    expect(() => scheduleValue(1, -1)).toThrow(/step must be a finite number >= 0/);
  });
});
