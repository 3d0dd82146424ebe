// The TARL turn-level judge (browser-safe parts; the JSON-lines file cache is in file-cache.ts, Node only).
export { MemoryJudgeCache, sha256Json, type JudgeCache } from './cache.ts';
export { createJudge, type JudgeSpec } from './factory.ts';
export { LlmJudge, type JudgeStats, type LlmJudgeOptions } from './llm.ts';
export { buildJudgeMessages, escapeForPrompt, JUDGE_PROMPT_VERSION, JUDGE_SYSTEM_PROMPT } from './prompt.ts';
export { referenceJudgement, ReferenceJudge } from './reference.ts';
export { JUDGE_REPLY_SCHEMA, parseJudgeReply } from './reply.ts';
export { enforceSingleDeviation, flaggedNeutral, judgeAll, type JudgeResult, type TurnJudge, type TurnJudgement } from './types.ts';
