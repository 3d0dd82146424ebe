// Parsing and validating the judge's structured reply (ajv). Only the judge's own reply text is
// parsed; a reply that is not JSON, breaks the schema, or does not score every agent turn exactly
// once is rejected with a reason (the caller retries, then falls back to a flagged neutral score).
import { Ajv } from 'ajv';
import type { TurnJudgement } from '../rollout/trajectory.ts';
import { enforceSingleDeviation } from './types.ts';

export const JUDGE_REPLY_SCHEMA = {
  type: 'object',
  required: ['turns'],
  properties: {
    turns: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['turn', 'score', 'rationale'],
        properties: {
          turn: { type: 'integer', minimum: 1 },
          score: { type: 'integer', enum: [-1, 0, 1] },
          rationale: { type: 'string', maxLength: 2000 },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: false });
const validate = ajv.compile(JUDGE_REPLY_SCHEMA);

export type ParsedReply = { ok: true; turns: TurnJudgement[]; repaired: boolean } | { ok: false; error: string };

export function parseJudgeReply(content: string, agentTurnCount: number): ParsedReply {
  let text = content.trim();
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/.exec(text);
  if (fenced) text = fenced[1];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `reply is not JSON (${(e as Error).message})` };
  }
  if (!validate(value)) {
    const err = validate.errors?.[0];
    return { ok: false, error: `reply breaks the schema: ${err?.instancePath || '/'} ${err?.message ?? ''}`.trim() };
  }
  const turns = (value as { turns: { turn: number; score: -1 | 0 | 1; rationale: string }[] }).turns;
  const seen = new Set<number>();
  for (const t of turns) {
    if (t.turn > agentTurnCount) return { ok: false, error: `reply scores turn ${t.turn}, but there are only ${agentTurnCount} agent turns` };
    if (seen.has(t.turn)) return { ok: false, error: `reply scores turn ${t.turn} twice` };
    seen.add(t.turn);
  }
  if (seen.size !== agentTurnCount) return { ok: false, error: `reply scores ${seen.size} of ${agentTurnCount} agent turns` };
  const ordered = [...turns].sort((a, b) => a.turn - b.turn).map((t) => ({ agentTurn: t.turn - 1, score: t.score, rationale: t.rationale }));
  const { turns: single, repaired } = enforceSingleDeviation(ordered);
  return { ok: true, turns: single, repaired };
}
