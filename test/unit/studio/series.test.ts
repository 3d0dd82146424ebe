import { describe, expect, it } from 'vitest';
import { downsampleMinMax, emaSmooth, yAxis, niceTicks, smoothRows, toChartRows, toCsv, type ChartRow } from '../../../src/studio/charts/series.ts';

describe('emaSmooth', () => {
  it('is the identity at weight 0 and bias-corrected otherwise', () => {
    expect(emaSmooth([1, 5, -2], 0)).toEqual([1, 5, -2]);
    expect(emaSmooth([0.01, 0.01, 0.01, 0.01, 0.01], 0.6)).toEqual([0.01, 0.01, 0.01, 0.01, 0.01]); // exactly constant
    // hand-computed: acc1 = 0.5*1 = 0.5 → /0.5 = 1; acc2 = 0.25 + 0.5*3 = 1.75 → /0.75 = 2.333…
    const t = emaSmooth([1, 3], 0.5);
    expect(t[0]).toBeCloseTo(1, 12);
    expect(t[1]).toBeCloseTo(1.75 / 0.75, 12);
  });
  it('skips non-finite values and rejects a bad weight', () => {
    const s = emaSmooth([2, NaN, 2], 0.5);
    expect(Number.isNaN(s[1])).toBe(true);
    expect(s[2]).toBeCloseTo(2, 12);
    expect(() => emaSmooth([1], 1)).toThrow(/\[0, 1\)/);
    expect(() => emaSmooth([1], -0.1)).toThrow(/smoothing weight/);
  });
  it('smoothRows touches only the named keys and leaves gaps', () => {
    const rows: ChartRow[] = [{ step: 0, a: 0, b: 5 }, { step: 1, b: 7 } as ChartRow, { step: 2, a: 10, b: 9 }];
    const out = smoothRows(rows, ['a'], 0.5);
    expect(out.map((r) => r.b)).toEqual([5, 7, 9]);
    expect(out[1].a).toBeUndefined();
    expect(out[2].a).toBeCloseTo((0.25 * 0 + 0.5 * 10) / 0.75, 12);
  });
});

describe('yAxis and niceTicks', () => {
  it('covers the values with round ticks, pads a flat series, and keeps a known range', () => {
    expect(niceTicks(-2, 5)).toEqual([-2, 0, 2, 4, 6]);
    expect(niceTicks(0.1, 0.3)).toEqual([0.1, 0.15, 0.2, 0.25, 0.3]);
    expect(niceTicks(3, 3)).toEqual([3]);
    expect(yAxis([{ step: 0, a: -2 }, { step: 1, a: 5 }], ['a'])).toEqual({ domain: [-2, 6], ticks: [-2, 0, 2, 4, 6] });
    const flat = yAxis([{ step: 0, a: 500 }, { step: 1, a: 500 }], ['a']);
    expect(flat.domain[0]).toBeLessThanOrEqual(450);
    expect(flat.domain[1]).toBeGreaterThanOrEqual(550);
    expect(yAxis([{ step: 0, a: 0 }], ['a']).ticks).toEqual([-1, -0.5, 0, 0.5, 1]);
    const tiny = yAxis([{ step: 0, a: 0.01 }, { step: 1, a: 0.01 + 1e-18 }], ['a']);
    expect(tiny.domain[0]).toBeLessThanOrEqual(0.009);
    expect(tiny.ticks.length).toBeGreaterThanOrEqual(3);
    expect(yAxis([{ step: 0, b: 1 } as ChartRow], ['a'])).toEqual({ domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1] });
    // every value lies inside the domain, every tick too
    const rows = Array.from({ length: 50 }, (_, i) => ({ step: i, a: Math.sin(i) * 37.3 + 12 }));
    const ax = yAxis(rows, ['a']);
    for (const r of rows) expect(r.a >= ax.domain[0] && r.a <= ax.domain[1]).toBe(true);
    for (const t of ax.ticks) expect(t >= ax.domain[0] && t <= ax.domain[1]).toBe(true);
  });
});

describe('downsampleMinMax', () => {
  const rows: ChartRow[] = Array.from({ length: 5000 }, (_, i) => ({ step: i, r: Math.sin(i / 50) + (i === 2345 ? 9 : 0), k: i % 7 === 0 ? -3 : 0 }));
  it('bounds the point count, keeps the ends, order and the extremes', () => {
    const out = downsampleMinMax(rows, ['r', 'k'], 400);
    expect(out.length).toBeLessThanOrEqual(400);
    expect(out.length).toBeGreaterThan(200);
    expect(out[0].step).toBe(0);
    expect(out[out.length - 1].step).toBe(4999);
    for (let i = 1; i < out.length; i++) expect(out[i].step).toBeGreaterThan(out[i - 1].step);
    expect(out.some((r) => r.step === 2345)).toBe(true); // the spike survives
    expect(Math.min(...out.map((r) => r.k))).toBe(-3);
  });
  it('returns small inputs unchanged and rejects a silly budget', () => {
    expect(downsampleMinMax(rows.slice(0, 10), ['r'], 50)).toEqual(rows.slice(0, 10));
    expect(() => downsampleMinMax(rows, ['r'], 2)).toThrow(/maxPoints/);
  });
});

describe('toCsv / toChartRows', () => {
  it('writes a header and quotes what needs quoting', () => {
    const csv = toCsv(
      [{ key: 'step', label: 'step' }, { key: 'x', label: 'reward, total' }, { key: 'y', label: 'say "wait"' }],
      [{ step: 0, x: 1.5, y: NaN }, { step: 1, x: -2, y: 'a\nb' }],
    );
    expect(csv).toBe('step,"reward, total","say ""wait"""\r\n0,1.5,\r\n1,-2,"a\nb"\r\n');
  });
  it('flattens metric records', () => {
    expect(toChartRows([{ step: 3, values: { kl: 0.1 } }])).toEqual([{ step: 3, kl: 0.1 }]);
  });
});

describe('prepareChart', () => {
  it('drops rows without the keys, smooths, keeps raw values and bounds the points', async () => {
    const { prepareChart, RAW } = await import('../../../src/studio/charts/series.ts');
    const rows: ChartRow[] = Array.from({ length: 2000 }, (_, i) => (i % 2 ? ({ step: i, other: 1 } as ChartRow) : { step: i, a: i % 10 }));
    const p = prepareChart(rows, ['a'], 0.5, 100);
    expect(p.steps).toBe(1000);
    expect(p.data.length).toBeLessThanOrEqual(100);
    expect(p.data[0]).toEqual({ step: 0, a: 0, [RAW + 'a']: 0 });
    const smoothAll = emaSmooth(rows.filter((r) => r.a !== undefined).map((r) => r.a), 0.5);
    for (const d of p.data) {
      expect(d[RAW + 'a']).toBe(d.step % 10);
      expect(d.a).toBeCloseTo(smoothAll[d.step / 2], 12);
    }
  });
});
