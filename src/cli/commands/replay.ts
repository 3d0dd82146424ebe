// `tarl replay --tasks FILE.json`: replays each τ-bench task's actions on a fresh Retail DB and prints
// one JSON line per task: {"task_index", "calls": [{name, kwargs, output}], "final_db_sha256", "reward"}.
// final_db_sha256 = SHA-256 hex of the UTF-8 canonical JSON of {orders, products, users} (keys sorted
// by plain string comparison, no whitespace, JSON.stringify number formatting). A checker outside the
// repo depends on this output exactly: nothing else goes to stdout.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { computeReward, loadRetailData, parseTasks, RetailDb, runTool } from '../../sandbox/retail/index.ts';

export function register(program: Command): void {
  program
    .command('replay')
    .description('replay τ-bench Retail tasks\' actions on a fresh DB; one JSON line per task (calls, final DB SHA-256, reward)')
    .requiredOption('--tasks <file>', 'JSON array of tasks: {user_id, actions: [{name, kwargs}], outputs, task_index?}')
    .option('--no-check-outputs', 'reward from the DB check only (τ-bench also requires every output in an agent reply)')
    .action(async (opts: { tasks: string; checkOutputs: boolean }) => {
      let text: string;
      try {
        text = readFileSync(opts.tasks, 'utf8');
      } catch (e) {
        throw new Error(`--tasks: cannot read ${opts.tasks} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      const tasks = parseTasks(text, opts.tasks);
      const data = await loadRetailData();
      for (const task of tasks) {
        const db = new RetailDb(data.tables);
        const calls = task.actions.map(({ name, kwargs }) => ({ name, kwargs, output: runTool(db, name, kwargs).output }));
        const hash = createHash('sha256');
        for (const piece of db.canonicalJsonPieces()) hash.update(piece, 'utf8');
        const final_db_sha256 = hash.digest('hex');
        // The replay sends no replies, so with the outputs check on a task with outputs scores 0, as in τ-bench.
        const { reward } = computeReward(data, task, db, [], { checkOutputs: opts.checkOutputs });
        process.stdout.write(JSON.stringify({ task_index: task.task_index, calls, final_db_sha256, reward }) + '\n');
      }
    });
}
