// `npm run bench -- sandbox [--reps N]`: replays every train+dev+test task's ground-truth actions in a
// fresh episode and verifies it (reward = DB equals the DB of a second, fresh ground-truth replay, as
// τ-bench's calculate_reward does each time), then reports tasks/s and tool calls/s.
// The peer is τ-bench's own Python environment; it is not part of this repo, so it was measured once,
// separately, on the same machine: figures and method in docs/benchmarks.md.
import { createHash } from 'node:crypto';
import { loadRetailData, loadTasks, RetailEnv, verifyEpisode, type RetailTask } from '../../src/sandbox/retail/index.ts';
import type { BenchResult } from './types.ts';

function parseReps(args: string[]): number {
  const i = args.indexOf('--reps');
  if (i < 0) return 5;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--reps: expected a positive integer, got "${args[i + 1]}"`);
  return n;
}

interface Mode {
  name: string;
  run(task: RetailTask): number; // returns tool calls made
}

export default async function main(args: string[]): Promise<BenchResult> {
  const reps = parseReps(args);
  const t0 = performance.now();
  const data = await loadRetailData();
  const loadMs = performance.now() - t0;
  const tasks = [...(await loadTasks('train')), ...(await loadTasks('dev')), ...(await loadTasks('test'))];
  const countTools = (t: RetailTask) => t.actions.length;
  let failures = 0;

  const episode = (task: RetailTask) => {
    const env = new RetailEnv(data, task);
    for (const a of task.actions) env.step(a.name, a.kwargs);
    return env;
  };
  const modes: Mode[] = [
    {
      name: 'replay + verify (fresh ground-truth replay per task)',
      run(task) {
        const env = episode(task);
        if (verifyEpisode(env, { checkOutputs: false, cache: false }).reward !== 1) failures++;
        return 2 * countTools(task);
      },
    },
    {
      name: 'replay + verify (ground truth cached per task)',
      run(task) {
        const env = episode(task);
        if (verifyEpisode(env, { checkOutputs: false, cache: true }).reward !== 1) failures++;
        return countTools(task);
      },
    },
    {
      name: 'replay + final_db_sha256 (the CLI\'s whole-DB hash)',
      run(task) {
        const env = episode(task);
        const hash = createHash('sha256');
        for (const piece of env.db.canonicalJsonPieces()) hash.update(piece);
        hash.digest('hex');
        return countTools(task);
      },
    },
  ];

  const rows: BenchResult['rows'] = [];
  for (const mode of modes) {
    for (const t of tasks) mode.run(t); // warm-up pass (JIT, caches)
    let calls = 0;
    const start = performance.now();
    for (let r = 0; r < reps; r++) for (const t of tasks) calls += mode.run(t);
    const sec = (performance.now() - start) / 1000;
    rows.push({
      mode: mode.name,
      tasks: tasks.length * reps,
      'tool calls': calls,
      's': Number(sec.toFixed(3)),
      'tasks/s': Math.round((tasks.length * reps) / sec),
      'tool calls/s': Math.round(calls / sec),
    });
  }
  if (failures) throw new Error(`${failures} ground-truth replays did not verify (reward != 1)`);
  return {
    name: `sandbox: τ-bench Retail ground-truth replays (${tasks.length} tasks × ${reps} reps, Node ${process.versions.node})`,
    rows,
    summary: {
      load_ms: Math.round(loadMs),
      tasks: tasks.length,
      reps,
      peer: 'τ-bench Python env, measured separately (docs/benchmarks.md): 2.91 tasks/s, 12.6 tool calls/s for fresh replay + verify',
    },
  };
}
