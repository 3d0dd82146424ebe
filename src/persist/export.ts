// Export / import of one run as a set of files: run.json, metrics.jsonl, trajectories.jsonl,
// checkpoints.jsonl and the checkpoint files themselves (e.g. the PEFT adapter) under
// checkpoints/step-<n>/. The browser can write them to a folder, or into one bundle file (JSON lines,
// bytes base64-encoded) for a plain download.
import { parseTrajectory, type Trajectory } from '../rollout/trajectory.ts';
import type { RunStore } from './run-store.ts';
import { PERSIST_VERSION, type RunRecord } from './types.ts';

export interface RunFile {
  path: string;
  bytes: Uint8Array;
}

const RUN_FORMAT = 'tarl-run';
const BUNDLE_FORMAT = 'tarl-run-bundle';
const enc = new TextEncoder();
const dec = new TextDecoder();
const text = (path: string, s: string): RunFile => ({ path, bytes: enc.encode(s) });
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');

export async function exportRun(store: RunStore, runId: string): Promise<RunFile[]> {
  const run = await store.getRun(runId);
  if (!run) throw new Error(`export: no stored run "${runId}"`);
  const metrics = await store.metrics(runId);
  const trajectories = await store.queryTrajectories(runId);
  const checkpoints = await store.listCheckpoints(runId);
  const files: RunFile[] = [
    text('run.json', JSON.stringify({ format: RUN_FORMAT, version: PERSIST_VERSION, run }, null, 2)),
    text('metrics.jsonl', jsonl(metrics.map((m) => ({ step: m.step, values: m.values })))),
    text('trajectories.jsonl', jsonl(trajectories.map((t) => ({ step: t.step, group: t.group, trajectory: t.trajectory })))),
    text('checkpoints.jsonl', jsonl(checkpoints.map((c) => ({ step: c.step, createdAt: c.createdAt, files: c.files.map((f) => f.name), meta: c.meta })))),
  ];
  for (const c of checkpoints) {
    for (const f of c.files) files.push({ path: `checkpoints/step-${c.step}/${f.name}`, bytes: await store.readCheckpointFile(runId, c.step, f.name) });
  }
  return files;
}

function lines(file: RunFile | undefined, path: string): { value: unknown; where: string }[] {
  if (!file) return [];
  return dec
    .decode(file.bytes)
    .split('\n')
    .map((l, i) => ({ l, where: `${path}:${i + 1}` }))
    .filter(({ l }) => l.trim())
    .map(({ l, where }) => {
      try {
        return { value: JSON.parse(l) as unknown, where };
      } catch (e) {
        throw new Error(`import: ${where} is not JSON (${(e as Error).message})`);
      }
    });
}

/** Stores an exported run. `id` renames it (e.g. to import a run that already exists). */
export async function importRun(store: RunStore, files: RunFile[], opts: { id?: string } = {}): Promise<RunRecord> {
  const byPath = new Map(files.map((f) => [f.path.replace(/^\.\//, ''), f]));
  const head = byPath.get('run.json');
  if (!head) throw new Error('import: run.json is missing (is this an exported TARL run?)');
  let parsed: { format?: unknown; version?: unknown; run?: RunRecord };
  try {
    parsed = JSON.parse(dec.decode(head.bytes));
  } catch (e) {
    throw new Error(`import: run.json is not JSON (${(e as Error).message})`);
  }
  if (parsed.format !== RUN_FORMAT) throw new Error(`import: run.json format is ${JSON.stringify(parsed.format)}, expected "${RUN_FORMAT}"`);
  if (parsed.version !== PERSIST_VERSION) throw new Error(`import: run.json version ${JSON.stringify(parsed.version)} is not supported (expected ${PERSIST_VERSION})`);
  const src = parsed.run;
  if (!src || typeof src.id !== 'string') throw new Error('import: run.json has no run id');

  // Parse and check everything first, so a bad file stores nothing.
  const metrics = lines(byPath.get('metrics.jsonl'), 'metrics.jsonl').map(({ value, where }) => {
    const m = value as { step?: unknown; values?: unknown };
    if (typeof m.step !== 'number' || !m.values || typeof m.values !== 'object') throw new Error(`import: ${where} lacks step/values`);
    return { step: m.step, values: m.values as Record<string, number> };
  });
  const bySteps = new Map<number, { trajectory: Trajectory; group: number }[]>();
  for (const { value, where } of lines(byPath.get('trajectories.jsonl'), 'trajectories.jsonl')) {
    const t = value as { step?: unknown; group?: unknown; trajectory?: unknown };
    if (typeof t.step !== 'number' || typeof t.group !== 'number') throw new Error(`import: ${where} lacks step/group`);
    const trajectory = parseTrajectory(JSON.stringify(t.trajectory), where);
    bySteps.set(t.step, [...(bySteps.get(t.step) ?? []), { trajectory, group: t.group }]);
  }
  const checkpoints = lines(byPath.get('checkpoints.jsonl'), 'checkpoints.jsonl').map(({ value, where }) => {
    const c = value as { step?: unknown; files?: unknown; meta?: unknown };
    if (typeof c.step !== 'number' || !Array.isArray(c.files)) throw new Error(`import: ${where} lacks step/files`);
    const files = (c.files as string[]).map((name) => {
      const f = byPath.get(`checkpoints/step-${c.step}/${name}`);
      if (!f) throw new Error(`import: checkpoint file checkpoints/step-${c.step}/${name} is missing`);
      return { name, bytes: f.bytes };
    });
    return { step: c.step, files, meta: c.meta };
  });

  const id = opts.id ?? src.id;
  await store.createRun({ id, name: src.name, config: src.config });
  try {
    for (const m of metrics) await store.appendMetrics(id, m.step, m.values);
    for (const [step, items] of bySteps) await store.putTrajectories(id, step, items);
    for (const c of checkpoints) await store.putCheckpoint(id, c.step, c.files, c.meta);
    // An imported run is not running here: one that was mid-run becomes resumable ("interrupted").
    const status = src.status === 'running' || src.status === 'paused' ? 'interrupted' : src.status;
    return await store.setStatus(id, status, src.error);
  } catch (e) {
    await store.deleteRun(id).catch(() => undefined); // leave no half-imported run behind
    throw e;
  }
}

// ---- single-file bundle (JSON lines, bytes in base64)
function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function bundleRunFiles(files: RunFile[]): string {
  return jsonl([{ format: BUNDLE_FORMAT, version: PERSIST_VERSION, files: files.length }, ...files.map((f) => ({ path: f.path, base64: toBase64(f.bytes) }))]);
}

export function unbundleRunFiles(bundle: string): RunFile[] {
  const rows = lines({ path: 'bundle', bytes: enc.encode(bundle) }, 'bundle');
  const head = rows[0]?.value as { format?: unknown; files?: unknown } | undefined;
  if (!head || head.format !== BUNDLE_FORMAT) throw new Error(`import: not a TARL run bundle (first line must say format "${BUNDLE_FORMAT}")`);
  const files = rows.slice(1).map(({ value, where }) => {
    const f = value as { path?: unknown; base64?: unknown };
    if (typeof f.path !== 'string' || typeof f.base64 !== 'string') throw new Error(`import: ${where} lacks path/base64`);
    return { path: f.path, bytes: fromBase64(f.base64) };
  });
  if (files.length !== head.files) throw new Error(`import: bundle announces ${String(head.files)} files but holds ${files.length} (truncated download?)`);
  return files;
}
