// One τ-bench Retail episode: a fresh copy-on-write DB, the tool schemas and policy text for the
// agent, and step(name, kwargs) that behaves like tau_bench.envs.base.Env.step for tool actions.
// step never throws: every failure is an output string, and a failed call leaves the DB unchanged.
import { RetailDb, type RetailTables } from './db.ts';
import { TERMINATE_TOOLS, TOOLS_BY_NAME, ToolException, type ToolImpl } from './tools.ts';

export interface ToolSchema {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export interface TaskAction {
  name: string;
  kwargs: Record<string, unknown>;
}

/** A τ-bench task (tasks_{train,dev,test}.json). */
export interface RetailTask {
  user_id: string;
  actions: TaskAction[];
  outputs: string[];
  instruction?: string;
  annotator?: string;
  task_index?: number;
}

/** Everything an episode needs, loaded once and shared read-only (see data.ts). */
export interface RetailData {
  tables: RetailTables;
  tools: ToolSchema[];
  wiki: string;
  rules: string[];
}

/** What τ-bench's user simulator says to end the conversation (the episode runner checks for it). */
export const USER_STOP = '###STOP###';

/** τ-bench ends the episode when the user's message contains ###STOP###. */
export function isUserStop(userMessage: string): boolean {
  return userMessage.includes(USER_STOP);
}

export interface StepResult {
  output: string;
  done: boolean;
}

export interface ToolCall {
  name: string;
  kwargs: unknown;
  output: string;
}

function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}

/**
 * Python's checks when τ-bench calls `tool.invoke(data=data, **kwargs)`, with its exact messages; then a
 * type check of each argument (τ-bench has none: Python would fail later in a value-dependent way,
 * so we reject with a message naming the argument instead). Returns an error message or null.
 */
export function checkArguments(tool: ToolImpl, kwargs: Record<string, unknown>): string | null {
  const names = Object.keys(kwargs);
  const fn = `${tool.className}.invoke()`;
  if (names.includes('data')) return `tau_bench.envs.retail.tools.${tool.name}.${fn} got multiple values for keyword argument 'data'`;
  const params = new Map(tool.params);
  const unexpected = names.find((n) => !params.has(n));
  if (unexpected !== undefined) return `${fn} got an unexpected keyword argument '${unexpected}'`;
  const missing = tool.params.map(([p]) => p).filter((p) => !names.includes(p));
  if (missing.length) {
    const q = missing.map((m) => `'${m}'`);
    const list = q.length === 1 ? q[0] : q.length === 2 ? `${q[0]} and ${q[1]}` : `${q.slice(0, -1).join(', ')}, and ${q.at(-1)}`;
    return `${fn} missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`;
  }
  for (const [p, kind] of tool.params) {
    const v = kwargs[p];
    if (kind === 'str' && typeof v !== 'string') return `${fn} argument '${p}' must be str, not ${pyTypeName(v)}`;
    if (kind === 'list[str]') {
      if (!Array.isArray(v)) return `${fn} argument '${p}' must be a list of str, not ${pyTypeName(v)}`;
      const bad = v.find((e) => typeof e !== 'string');
      if (bad !== undefined) return `${fn} argument '${p}' must be a list of str, not a list containing ${pyTypeName(bad)}`;
    }
  }
  return null;
}

/** Accepts kwargs as an object or as the JSON text a model produced. */
function normalizeKwargs(kwargs: unknown): Record<string, unknown> | string {
  let v = kwargs;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch (e) {
      return `arguments are not valid JSON: ${(e as Error).message}`;
    }
  }
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) return `arguments must be a JSON object, not ${pyTypeName(v)}`;
  return v as Record<string, unknown>;
}

/** Runs one tool call on `db` exactly as τ-bench's Env.step would. Never throws. */
export function runTool(db: RetailDb, name: string, kwargs: unknown): StepResult {
  const tool = TOOLS_BY_NAME.get(name);
  if (!tool) return { output: `Unknown action ${name}`, done: false };
  const done = TERMINATE_TOOLS.has(name);
  const args = normalizeKwargs(kwargs);
  if (typeof args === 'string') return { output: `Error: ${args}`, done };
  const bad = checkArguments(tool, args);
  if (bad) return { output: `Error: ${bad}`, done };
  try {
    return { output: db.transaction(() => tool.run(db, args)), done };
  } catch (e) {
    if (e instanceof ToolException) return { output: `Error: ${e.message}`, done };
    // Not a τ-bench behaviour but a bug of ours or a resource limit: still an answer, never a throw.
    return { output: `Error: ${e instanceof Error ? e.message : String(e)}`, done };
  }
}

/** One episode. Create one per episode; episodes share only the read-only source tables. */
export class RetailEnv {
  readonly db: RetailDb;
  readonly calls: ToolCall[] = [];
  /** The agent's replies to the user (for the optional required-outputs check). */
  readonly replies: string[] = [];
  done = false;

  constructor(
    readonly data: RetailData,
    readonly task?: RetailTask,
  ) {
    this.db = new RetailDb(data.tables);
  }

  get tools(): ToolSchema[] {
    return this.data.tools;
  }
  get wiki(): string {
    return this.data.wiki;
  }

  /** Calls a tool; `done` is true once transfer_to_human_agents has been called. */
  step(name: string, kwargs: unknown): StepResult {
    const r = runTool(this.db, String(name), kwargs);
    this.calls.push({ name: String(name), kwargs, output: r.output });
    if (r.done) this.done = true;
    return { output: r.output, done: this.done };
  }

  /** Records a reply the agent sent to the user; `###STOP###` handling belongs to the user simulator. */
  reply(content: string): void {
    this.replies.push(content);
  }
}
