// Piecewise schedules over training steps, for the math ratio, sampling temperature, speech-episode
// share and learning-rate multiplier. A schedule is plain JSON:
//   0.3                                              constant
//   { "points": [[0, 0], [30, 0.5]] }                linear ramp 0 → 0.5 over steps 0..30, then 0.5
//   { "points": [[0, 1], [100, 0.5], [200, 0.25]], "interpolation": "step" }   steps (held values)
//   { "points": [[0, 0.1], [10, 0.1], [10, 1]] }     two points at one step = a jump at step 10
//   { "points": [[0, 1], [500, 0.1]], "interpolation": "cosine" }              cosine decay
// Before the first point the first value holds; after the last point the last value holds.

export type Interpolation = 'linear' | 'step' | 'cosine';
export type SchedulePoint = [step: number, value: number];
export type ScheduleSpec = number | { points: SchedulePoint[]; interpolation?: Interpolation };

export interface ScheduleRange {
  min?: number;
  max?: number;
}

export class ScheduleError extends Error {}

const INTERPOLATIONS: readonly Interpolation[] = ['linear', 'step', 'cosine'];

/** Checks a schedule (e.g. straight from JSON); throws ScheduleError naming `path` and the bad part. */
export function validateSchedule(spec: unknown, path: string, range: ScheduleRange = {}): ScheduleSpec {
  const checkValue = (v: unknown, where: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ScheduleError(`${where}: value must be a finite number, got ${JSON.stringify(v)}`);
    if (range.min !== undefined && v < range.min) throw new ScheduleError(`${where}: value ${v} is below the minimum ${range.min}`);
    if (range.max !== undefined && v > range.max) throw new ScheduleError(`${where}: value ${v} is above the maximum ${range.max}`);
  };
  if (typeof spec === 'number') {
    checkValue(spec, path);
    return spec;
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new ScheduleError(`${path}: a schedule is a number or { "points": [[step, value], ...], "interpolation"? }`);
  }
  const { points, interpolation, ...rest } = spec as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new ScheduleError(`${path}.${unknown[0]}: unknown key (allowed: points, interpolation)`);
  if (interpolation !== undefined && !INTERPOLATIONS.includes(interpolation as Interpolation)) {
    throw new ScheduleError(`${path}.interpolation: must be one of ${INTERPOLATIONS.join(', ')}, got ${JSON.stringify(interpolation)}`);
  }
  if (!Array.isArray(points) || points.length === 0) throw new ScheduleError(`${path}.points: must be a non-empty array of [step, value]`);
  points.forEach((p, i) => {
    const where = `${path}.points[${i}]`;
    if (!Array.isArray(p) || p.length !== 2) throw new ScheduleError(`${where}: must be a pair [step, value]`);
    const [step, value] = p as unknown[];
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) {
      throw new ScheduleError(`${where}: step must be a non-negative integer, got ${JSON.stringify(step)}`);
    }
    checkValue(value, where);
    if (i > 0) {
      const prev = (points[i - 1] as SchedulePoint)[0];
      if (step < prev) throw new ScheduleError(`${where}: step ${step} comes before the previous point's step ${prev}; points must be in step order`);
      if (i > 1 && step === prev && (points[i - 2] as SchedulePoint)[0] === step) {
        throw new ScheduleError(`${where}: more than two points at step ${step} (two points at one step make a jump)`);
      }
    }
  });
  return spec as ScheduleSpec;
}

/** The schedule's value at `step` (a non-negative number of completed steps). */
export function scheduleValue(spec: ScheduleSpec, step: number): number {
  if (!(step >= 0) || !Number.isFinite(step)) throw new ScheduleError(`scheduleValue: step must be a finite number >= 0, got ${step}`);
  if (typeof spec === 'number') return spec;
  const { points } = spec;
  const mode = spec.interpolation ?? 'linear';
  // The last point at or before `step` (for a jump at `step`, the second of the pair).
  let i = -1;
  while (i + 1 < points.length && points[i + 1]![0] <= step) i++;
  if (i < 0) return points[0]![1];
  const [s0, v0] = points[i]!;
  if (i === points.length - 1 || mode === 'step') return v0;
  const [s1, v1] = points[i + 1]!;
  const t = (step - s0) / (s1 - s0); // s1 > s0 here: equal steps were skipped by the loop
  const w = mode === 'cosine' ? (1 - Math.cos(Math.PI * t)) / 2 : t;
  return v0 + (v1 - v0) * w;
}

/** Linear ramp from `from` at `startStep` to `to` at `endStep` (held before and after). */
export function ramp(from: number, to: number, startStep: number, endStep: number): ScheduleSpec {
  return validateSchedule({ points: [[startStep, from], [endStep, to]] }, 'ramp');
}

/** JSON Schema fragment (draft 2020-12 / ajv) for a schedule; fine-grained checks in validateSchedule. */
export function scheduleJsonSchema(range: ScheduleRange = {}, description = 'schedule over steps'): object {
  const value = { type: 'number', ...(range.min !== undefined && { minimum: range.min }), ...(range.max !== undefined && { maximum: range.max }) };
  return {
    description,
    oneOf: [
      value,
      {
        type: 'object',
        additionalProperties: false,
        required: ['points'],
        properties: {
          points: {
            type: 'array',
            minItems: 1,
            items: { type: 'array', prefixItems: [{ type: 'integer', minimum: 0 }, value], minItems: 2, maxItems: 2 },
          },
          interpolation: { enum: INTERPOLATIONS },
        },
      },
    ],
  };
}

/** Whether a schedule is ever above 0 (e.g. whether a run can draw math problems or speech episodes). */
export function canExceedZero(spec: ScheduleSpec): boolean {
  return typeof spec === 'number' ? spec > 0 : spec.points.some((p) => p[1] > 0);
}
