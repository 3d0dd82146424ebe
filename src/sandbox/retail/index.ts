/**
 * τ-bench Retail sandbox: a byte-faithful TypeScript port of τ-bench's Retail backend (16 tools,
 * DB, policy), its verifier and pass^k. Runs in Node and in the browser (directly or behind
 * src/workers/sandbox.worker.ts). No eval anywhere; tool calls never throw.
 *
 * Usage (the episode runner):
 *
 *   const data = await loadRetailData();            // once; Node: fs, browser: fetch /data/...
 *   const tasks = await loadTasks('train');         // RetailTask[] (task_index filled in)
 *   const env = new RetailEnv(data, tasks[0]);      // one per episode: O(1), copy-on-write DB
 *   env.tools;  env.wiki;                           // ToolSchema[] for the prompt, policy text
 *   const { output, done } = env.step('get_order_details', { order_id: '#W6067464' });
 *   //   kwargs: an object or the model's JSON text; output: exactly τ-bench's string, including
 *   //   "Unknown action X" and "Error: ..."; done: true after transfer_to_human_agents.
 *   env.reply('text the agent said to the user');   // only needed for the required-outputs check
 *   const { reward } = verifyEpisode(env, { checkOutputs: false });  // TARL: DB check only
 *   passHatK([{ trials: 4, successes: 3 }, ...], 2);
 *
 * Episode end (the runner's job): the user simulator's message contains ###STOP### (isUserStop),
 * `done` from step() (transfer_to_human_agents), or a max-turn limit: pass { truncated: true } to
 * verifyEpisode, which then gives reward 0.
 *
 * Fidelity: every output string, done flag and final DB of the 520 train/dev reference replays and 45
 * probes matches τ-bench (incl. its data hash, which tells int 9 from float 9.0); calculate matches
 * CPython 3.11.7 on a 7,900-case corpus. Deviations: τ-bench does not type-check arguments (Python
 * would fail later or store the wrong type); we answer "Error: <Tool>.invoke() argument 'x' must be
 * str, not int" instead. calculate refuses ints over 16M bits (CPython would grind on), and its
 * parser-depth limits for absurdly nested input are approximations of CPython's.
 *
 * Lower level: runTool(db, name, kwargs) on a RetailDb; groundTruthDb(data, task);
 * computeReward(data, task, db, replies, opts); RetailDb.canonicalJson() (the CLI's final_db_sha256
 * input); pyDumps/parsePyJson (Python json text); calculate(expression).
 */
export { calculate } from './calculate.ts';
export { defaultReader, loadRetailData, loadTasks, parseTasks, type TaskSplit, type TextReader } from './data.ts';
export { RetailDb, clonePy, parseRetailTables, pyDeepEqual, type Order, type Product, type RetailTables, type User } from './db.ts';
export {
  RetailEnv,
  USER_STOP,
  isUserStop,
  checkArguments,
  runTool,
  type RetailData,
  type RetailTask,
  type StepResult,
  type TaskAction,
  type ToolCall,
  type ToolSchema,
} from './env.ts';
export { canonicalJson, parsePyJson, pyDumps, pyFloatRepr, type PyValue } from './pyjson.ts';
export { pyRound } from './pynum.ts';
export { TERMINATE_TOOLS, TOOLS } from './tools.ts';
export {
  checkOutputs,
  computeReward,
  groundTruthDb,
  passHatK,
  passHatKFromRewards,
  verifyEpisode,
  type RewardInfo,
  type RewardOptions,
} from './verify.ts';
