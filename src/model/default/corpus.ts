// The text the default model's vocabulary must cover: the retail world (wiki, tool schemas rendered
// in the chat template's system turn, every DB record as the tools print it, every split's task
// instructions — vocabulary only; demonstrations come from the train split alone), the oracle /
// scripted-user phrasing of the train demonstrations, math problems with their worked solutions,
// and the chat template's own markup. Node-only.
import { pyDumps, type PyValue } from '../../sandbox/retail/index.ts';
import { loadRetailData, loadTasks, loadToolSchemas, loadWiki, SPLITS } from '../../rollout/node-data.ts';
import { generateProblem, mathPrompt, DIFFICULTIES } from '../../rl/math/generator.ts';
import type { ModelTokenizer } from '../tokenizer.ts';
import type { ToolSchema } from '../chat-template.ts';
import type { Trajectory } from '../../rollout/trajectory.ts';

export const MATH_VOCAB_PROBLEMS = 400;

/** Texts to tokenize (each piece encoded on its own, as tool outputs and messages are). */
export function* retailCorpus(tok: ModelTokenizer): Generator<string> {
  const wiki = loadWiki();
  yield tok.applyChatTemplate(
    [{ role: 'system', content: wiki }, { role: 'user', content: 'hi' }],
    { tools: loadToolSchemas() as ToolSchema[], addGenerationPrompt: true, enableThinking: false },
  );
  const db = loadRetailData();
  for (const table of [db.users, db.orders, db.products] as unknown as Record<string, PyValue>[]) {
    for (const [key, rec] of Object.entries(table)) {
      yield key;
      yield pyDumps(rec);
    }
  }
  for (const split of SPLITS) for (const t of loadTasks(split)) yield `${t.instruction}\n${t.outputs.join(', ')}\n${pyDumps(t.actions as unknown as PyValue)}`;
}

/** What the oracle and the scripted user say in the (train) demonstrations, and the calls made. */
export function* dialogueCorpus(trajectories: Trajectory[]): Generator<string> {
  for (const t of trajectories) {
    for (const turn of t.turns) {
      if (turn.role === 'user') yield turn.text;
      else if (turn.role === 'assistant') {
        yield turn.text;
        for (const c of turn.toolCalls) yield JSON.stringify({ name: c.name, arguments: c.arguments });
      }
    }
  }
}

export function* mathCorpus(count = MATH_VOCAB_PROBLEMS): Generator<string> {
  for (let s = 0; s < count; s++) {
    const p = generateProblem(100_000 + s, DIFFICULTIES[s % DIFFICULTIES.length]!);
    yield mathPrompt(p);
    yield p.solution;
  }
}
