// `tarl judge --file FILE --judge reference|openai|local [--judge-cache CACHE.jsonl]`: re-scores every
// trajectory of a JSON-lines file with the TARL turn-level judge and prints the trajectories (judge
// results replaced) as JSON lines; a summary goes to stderr. With a cache file, re-scoring the same
// trajectories makes no new calls.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createJudge } from '../../judge/factory.ts';
import { FileJudgeCache } from '../../judge/file-cache.ts';
import { LlmJudge } from '../../judge/llm.ts';
import { judgeAll, type TurnJudge } from '../../judge/types.ts';
import { createBackend, type InferenceBackend } from '../../model/backend.ts';
import { directorySource, loadModelFromDir } from '../../model/load-node.ts';
import { loadTokenizer } from '../../model/tokenizer.ts';
import { deviceOption } from './model-options.ts';
import { parseTrajectoryLines, serializeTrajectory } from '../../rollout/trajectory.ts';
import { addEndpointOptions, endpointFrom, type EndpointFlags } from './rollout-options.ts';

export function register(program: Command): void {
  const cmd = program
    .command('judge')
    .description('re-score a trajectory file with the turn-level judge (prints JSON lines)')
    .requiredOption('--file <jsonl>', 'trajectories (JSON lines)')
    .option('--judge <kind>', 'reference | openai | local', 'reference')
    .option('--local-model <dir>', 'model directory for --judge local')
    .addOption(deviceOption())
    .option('--judge-cache <file>', 'persist judge results (JSON lines) so re-scoring is free');
  addEndpointOptions(cmd, 'judge').action(async (opts: EndpointFlags & { file: string; judge: string; judgeCache?: string; localModel?: string; device: 'cpu' | 'webgpu' }) => {
    const trajectories = parseTrajectoryLines(readFileSync(opts.file, 'utf8'), opts.file);
    const cache = opts.judgeCache ? new FileJudgeCache(opts.judgeCache) : undefined;
    let judge: TurnJudge;
    let backend: InferenceBackend | undefined;
    if (opts.judge === 'reference') judge = createJudge({ kind: 'reference' });
    else if (opts.judge === 'openai') judge = createJudge({ kind: 'openai', cache, ...endpointFrom(opts, 'judge') });
    else if (opts.judge === 'local') {
      if (!opts.localModel) throw new Error('--judge local needs --local-model DIR');
      backend = await createBackend(await loadModelFromDir(opts.localModel), opts.device);
      const tokenizer = await loadTokenizer(directorySource(opts.localModel));
      judge = createJudge({ kind: 'local', backend, tokenizer, model: opts.localModel, cache });
    } else throw new Error(`--judge: "${opts.judge}" is not reference, openai or local`);
    const results = await judgeAll(judge, trajectories, Number(opts.judgeConcurrency ?? 4)).finally(() => backend?.dispose());
    trajectories.forEach((t, i) => {
      t.judge = results[i];
      delete t.rewards; // rewards depended on the old judgement
      process.stdout.write(serializeTrajectory(t) + '\n');
    });
    const flagged = results.filter((r) => r.flagged).length;
    const stats = judge instanceof LlmJudge ? judge.stats : undefined;
    process.stderr.write(`judged ${trajectories.length} trajectories with ${judge.name}; flagged ${flagged}${stats ? `; cache hits ${stats.cacheHits}; tokens ${stats.promptTokens}+${stats.completionTokens}; cost $${stats.costUsd.toFixed(4)}` : ''}\n`);
  });
}
