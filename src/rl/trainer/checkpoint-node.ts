// Checkpoints on disk (Node): <out>/checkpoints/step-000010/…, written to a temporary folder and
// renamed into place, so an interrupted write never replaces the last good checkpoint.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { STATE_FILE, type CheckpointFile } from './checkpoint.ts';

export const checkpointName = (step: number) => `step-${String(step).padStart(6, '0')}`;

export function writeCheckpointDir(root: string, step: number, files: readonly CheckpointFile[], keep: number): string {
  const final = join(root, checkpointName(step));
  const tmp = `${final}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  for (const f of files) {
    mkdirSync(dirname(join(tmp, f.name)), { recursive: true });
    writeFileSync(join(tmp, f.name), f.bytes);
  }
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  const all = listCheckpoints(root);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) rmSync(old, { recursive: true, force: true });
  return final;
}

/** Complete checkpoint folders under root, oldest first. */
export function listCheckpoints(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => /^step-\d{6}$/.test(n) && existsSync(join(root, n, STATE_FILE)))
    .sort()
    .map((n) => join(root, n));
}

/**
 * `--resume DIR`: DIR is a checkpoint folder (has state.json), a checkpoints folder, or a run's
 * output folder (its checkpoints/ subfolder); the latest complete checkpoint is used.
 */
export function resolveCheckpointDir(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--resume: "${dir}" is not a directory`);
  if (existsSync(join(dir, STATE_FILE))) return dir;
  for (const root of [dir, join(dir, 'checkpoints')]) {
    const all = listCheckpoints(root);
    if (all.length) return all.at(-1)!;
  }
  throw new Error(`--resume: no checkpoint (a step-NNNNNN folder with ${STATE_FILE}) in "${dir}"`);
}

export function readCheckpointDir(dir: string): CheckpointFile[] {
  const out: CheckpointFile[] = [];
  const walk = (rel: string) => {
    for (const n of readdirSync(join(dir, rel))) {
      const r = rel ? `${rel}/${n}` : n;
      if (statSync(join(dir, r)).isDirectory()) walk(r);
      else out.push({ name: r, bytes: new Uint8Array(readFileSync(join(dir, r))) });
    }
  };
  walk('');
  return out;
}
