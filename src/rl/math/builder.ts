// Records a worked solution step by step in exact arithmetic. Each step keeps its operands
// (literals as stated in the question, or references to earlier steps), so the answer can be
// recomputed independently of the generator, and renders as one line of the worked solution.
import { Q } from './exact.ts';

export type MathOp = 'add' | 'sub' | 'mul' | 'div' | 'pct';
/** A literal stated in the question (`shown` is how it is written there) or the result of step `ref`. */
export type Operand = { lit: string; shown: string } | { ref: number };
export type ValueKind = 'money' | 'count' | 'percent' | 'plain';

export interface MathStep {
  op: MathOp; // pct: a × b / 100 (b is the percentage)
  a: Operand;
  b: Operand;
  result: string; // exact decimal
  kind: ValueKind;
  text: string; // one line of the worked solution
}

/** A value in the worked solution: its exact amount, how to print it, and where it came from. */
export interface Val {
  q: Q;
  kind: ValueKind;
  operand: Operand;
}

/** Thrown when drawn parameters give an inexact or negative intermediate; the generator redraws. */
export class Reject extends Error {}

export function formatValue(q: Q, kind: ValueKind): string {
  switch (kind) {
    case 'money':
      return `$${q.toDecimal(2)}`;
    case 'percent':
      return `${q.toDecimal()}%`;
    default:
      return q.toDecimal();
  }
}

const SYMBOL: Record<Exclude<MathOp, 'pct'>, string> = { add: '+', sub: '−', mul: '×', div: '÷' };

export class SolutionBuilder {
  readonly steps: MathStep[] = [];

  /** @param maxPlaces decimals allowed in non-money intermediate results (money always allows 2). */
  constructor(private readonly maxPlaces: number) {}

  lit(value: Q | number, kind: ValueKind): Val {
    const q = typeof value === 'number' ? Q.int(value) : value;
    return { q, kind, operand: { lit: q.toDecimal(), shown: formatValue(q, kind) } };
  }

  /** Adds a step; `label` names what the result means ("Cost of the mugs"). */
  step(op: MathOp, a: Val, b: Val, kind: ValueKind, label: string): Val {
    let q: Q;
    switch (op) {
      case 'add':
        q = a.q.add(b.q);
        break;
      case 'sub':
        q = a.q.sub(b.q);
        break;
      case 'mul':
        q = a.q.mul(b.q);
        break;
      case 'div':
        if (b.q.num === 0n) throw new Reject('division by zero');
        q = a.q.div(b.q);
        break;
      case 'pct':
        q = a.q.mul(b.q).div(Q.int(100));
        break;
    }
    // Money is whole cents, counts are whole units, anything else obeys the difficulty's limit.
    const places = q.places(kind === 'money' ? 2 : kind === 'count' ? 0 : this.maxPlaces);
    if (places === null) throw new Reject(`inexact ${op} result`);
    if (q.cmp(Q.int(0)) <= 0) throw new Reject(`non-positive ${op} result`);
    const fa = formatValue(a.q, a.kind);
    const fb = formatValue(b.q, b.kind);
    const fr = formatValue(q, kind);
    const expr = op === 'pct' ? `${fb} of ${fa}` : `${fa} ${SYMBOL[op]} ${fb}`;
    const index = this.steps.length;
    this.steps.push({ op, a: a.operand, b: b.operand, result: q.toDecimal(), kind, text: `${label}: ${expr} = ${fr}.` });
    return { q, kind, operand: { ref: index } };
  }
}
