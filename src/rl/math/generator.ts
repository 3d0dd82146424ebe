// Seeded generator of verifiable multi-step arithmetic word problems (TARL mixes such problems
// into RL batches to keep exploration alive). The same (seed, difficulty, flavor) always gives the
// same problem; every problem carries its worked solution for SFT demonstrations.
import { Rng } from '../rng.ts';
import { Reject, SolutionBuilder, type MathStep } from './builder.ts';
import { TEMPLATES, type Difficulty, type Flavor } from './templates.ts';

export type { Difficulty, Flavor } from './templates.ts';
export type { MathStep, Operand, MathOp, ValueKind } from './builder.ts';

export const DIFFICULTIES: readonly Difficulty[] = [1, 2, 3, 4];

export interface MathProblem {
  id: string; // "math:<template>:d<difficulty>:<seed>"
  seed: number;
  difficulty: Difficulty;
  flavor: Flavor;
  template: string;
  question: string;
  steps: MathStep[]; // the worked solution in exact arithmetic; the last step's result is the answer
  answer: string; // exact decimal; money always with 2 decimals ("53.10")
  unit: string | null;
  solution: string; // worked solution text ending in "\boxed{answer}"
}

export const MATH_INSTRUCTION =
  'Solve the problem step by step. Put the final answer, a number only, in \\boxed{} at the end.';

/** The user message a policy is shown for a problem. */
export function mathPrompt(problem: MathProblem): string {
  return `${problem.question}\n\n${MATH_INSTRUCTION}`;
}

const MAX_ATTEMPTS = 10_000;

export function generateProblem(seed: number, difficulty: Difficulty, flavor: Flavor | 'any' = 'any'): MathProblem {
  if (!DIFFICULTIES.includes(difficulty)) {
    throw new Error(`generateProblem: difficulty must be one of ${DIFFICULTIES.join(', ')}, got ${difficulty}`);
  }
  if (flavor !== 'any' && flavor !== 'retail' && flavor !== 'plain') {
    throw new Error(`generateProblem: flavor must be 'retail', 'plain' or 'any', got ${JSON.stringify(flavor)}`);
  }
  const rng = Rng.fromSeed(seed);
  const template = rng.pick(TEMPLATES.filter((t) => flavor === 'any' || t.flavor === flavor));
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // Decimal intermediates only from difficulty 3 on.
    const builder = new SolutionBuilder(difficulty >= 3 ? 2 : 0);
    let result;
    try {
      result = template.run(rng, difficulty, builder);
    } catch (e) {
      if (e instanceof Reject) continue; // redraw: the RNG has moved on, so the next draw differs
      throw e;
    }
    const { question, final, unit } = result;
    const steps = builder.steps;
    if (!('ref' in final.operand) || final.operand.ref !== steps.length - 1) {
      throw new Error(`generateProblem: template ${template.name} did not end on its last step`);
    }
    const answer = final.q.toDecimal(final.kind === 'money' ? 2 : 0);
    const solution = [...steps.map((s) => s.text), `The answer is \\boxed{${answer}}.`].join('\n');
    return {
      id: `math:${template.name}:d${difficulty}:${seed}`,
      seed,
      difficulty,
      flavor: template.flavor,
      template: template.name,
      question,
      steps,
      answer,
      unit,
      solution,
    };
  }
  throw new Error(`generateProblem: template ${template.name} found no exact problem for seed ${seed} in ${MAX_ATTEMPTS} draws`);
}
