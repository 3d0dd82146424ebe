// Run persistence over fake-indexeddb (the same idb code the browser runs).
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundleRunFiles, exportRun, importRun, unbundleRunFiles } from '../../../src/persist/export.ts';
import type { BlobStore } from '../../../src/persist/blobs.ts';
import { RunStore } from '../../../src/persist/run-store.ts';
import { fixtureGroups } from './trajectory-fixture.ts';

let store: RunStore;
let dbCounter = 0;
beforeEach(async () => {
  store = await RunStore.open({ dbName: `test-${++dbCounter}`, opfs: null });
});
afterEach(() => store.close());

/** An in-memory stand-in for OPFS, to check large files are routed there and read back. */
class MapBlobStore implements BlobStore {
  readonly location = 'opfs' as const;
  readonly map = new Map<string, Uint8Array>();
  async put(k: string, b: Uint8Array) { this.map.set(k, b.slice()); }
  async get(k: string) { return this.map.get(k); }
  async deletePrefix(p: string) { for (const k of [...this.map.keys()]) if (k.startsWith(p)) this.map.delete(k); }
}

async function seededRun(s: RunStore) {
  const run = await s.createRun({ name: 'tarl demo', config: { reward: { mode: 'trajectory' }, lr: 1e-5 } });
  await s.setStatus(run.id, 'running');
  for (let step = 0; step < 5; step++) await s.appendMetrics(run.id, step, { 'reward/mean': step * 0.5, kl: 0.01 * step });
  const [g0, g1] = fixtureGroups();
  await s.putTrajectories(run.id, 3, g0.map((trajectory) => ({ trajectory, group: 0 })));
  await s.putTrajectories(run.id, 4, g1.map((trajectory) => ({ trajectory, group: 0 })));
  const adapter = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) % 256);
  await s.putCheckpoint(run.id, 4, [{ name: 'adapter_model.safetensors', bytes: adapter }, { name: 'adapter_config.json', bytes: new TextEncoder().encode('{"r":8}') }], { rng: [1, 2, 3] });
  return { run, adapter };
}

describe('RunStore', () => {
  it('stores runs, metrics in step order and tracks the last step', async () => {
    const { run } = await seededRun(store);
    await store.appendMetrics(run.id, 3, { 'eval/pass1': 0.25 }, { merge: true });
    expect((await store.metrics(run.id))[3].values).toEqual({ 'reward/mean': 1.5, kl: 0.03, 'eval/pass1': 0.25 });
    await store.appendMetrics(run.id, 2, { 'reward/mean': 9 }); // overwrite keeps one row per step
    const rows = await store.metrics(run.id);
    expect(rows.map((r) => r.step)).toEqual([0, 1, 2, 3, 4]);
    expect(rows[2].values).toEqual({ 'reward/mean': 9 });
    const stored = await store.getRun(run.id);
    expect(stored).toMatchObject({ name: 'tarl demo', status: 'running', lastStep: 4, lastCheckpointStep: 4 });
    const other = await store.createRun({ name: 'second', config: {} });
    expect((await store.listRuns()).map((r) => r.id)).toContain(other.id);
    await expect(store.createRun({ id: run.id, name: 'dup', config: {} })).rejects.toThrow(/already exists/);
    await expect(store.appendMetrics('nope', 0, {})).rejects.toThrow(/no stored run "nope"/);
    await expect(store.appendMetrics(run.id, -1, {})).rejects.toThrow(/non-negative integer/);
  });

  it('queries trajectories by step, task, success and reward range through the indexes', async () => {
    const { run } = await seededRun(store);
    expect(await store.trajectorySteps(run.id)).toEqual([3, 4]);
    expect((await store.queryTrajectories(run.id)).length).toBe(8);
    expect((await store.queryTrajectories(run.id, { step: 3 })).map((r) => r.taskIndex)).toEqual([0, 0, 0, 0]);
    expect((await store.queryTrajectories(run.id, { taskIndex: 3 })).every((r) => r.step === 4)).toBe(true);
    const ok = await store.queryTrajectories(run.id, { success: true });
    expect(ok.map((r) => r.id).sort()).toEqual(['dev0-error-then-success-s103', 'dev0-success-s100', 'dev3-error-then-success-s103', 'dev3-success-s100']);
    const negative = await store.queryTrajectories(run.id, { maxReward: 0 });
    expect(negative.length).toBe(4);
    expect(negative.every((r) => r.reward! < 0 && r.success === 0)).toBe(true);
    const both = await store.queryTrajectories(run.id, { step: 4, success: false });
    expect(both.map((r) => r.id).sort()).toEqual(['dev3-omission-s102', 'dev3-wrong-write-s101']);
  });

  it('keeps checkpoint bytes and meta, and routes large files to OPFS when there is one', async () => {
    const { run, adapter } = await seededRun(store);
    expect(await store.readCheckpointFile(run.id, 4, 'adapter_model.safetensors')).toEqual(adapter);
    expect((await store.latestCheckpoint(run.id))?.meta).toEqual({ rng: [1, 2, 3] });
    await expect(store.readCheckpointFile(run.id, 5, 'adapter_model.safetensors')).rejects.toThrow(/no checkpoint file/);
    await expect(store.putCheckpoint(run.id, 6, [{ name: '../x', bytes: new Uint8Array(1) }])).rejects.toThrow(/plain file name/);

    const opfs = new MapBlobStore();
    const s2 = await RunStore.open({ dbName: `test-${++dbCounter}`, opfs, opfsThresholdBytes: 1024 });
    const r2 = await s2.createRun({ name: 'opfs', config: {} });
    const rec = await s2.putCheckpoint(r2.id, 0, [{ name: 'big.bin', bytes: adapter }, { name: 'small.json', bytes: new Uint8Array([1, 2]) }]);
    expect(rec.files.map((f) => f.location)).toEqual(['opfs', 'idb']);
    expect([...opfs.map.keys()]).toEqual([`${r2.id}/step-0/big.bin`]);
    expect(await s2.readCheckpointFile(r2.id, 0, 'big.bin')).toEqual(adapter);
    await s2.deleteRun(r2.id);
    expect(opfs.map.size).toBe(0);
    s2.close();
  });

  it('deletes a run with everything it stored, and leaves other runs alone', async () => {
    const { run } = await seededRun(store);
    const keep = await store.createRun({ name: 'keep', config: {} });
    await store.appendMetrics(keep.id, 0, { kl: 1 });
    await store.deleteRun(run.id);
    expect(await store.getRun(run.id)).toBeUndefined();
    expect(await store.metrics(run.id)).toEqual([]);
    expect(await store.queryTrajectories(run.id)).toEqual([]);
    expect(await store.listCheckpoints(run.id)).toEqual([]);
    expect(await store.db.count('blobs')).toBe(0);
    expect((await store.metrics(keep.id)).length).toBe(1);
  });

  it('marks runs left running as interrupted', async () => {
    const { run } = await seededRun(store);
    expect(await store.markInterrupted()).toEqual([run.id]);
    expect((await store.getRun(run.id))?.status).toBe('interrupted');
  });
});

describe('export / import', () => {
  it('round-trips a run through files and through a one-file bundle', async () => {
    const { run, adapter } = await seededRun(store);
    const files = await exportRun(store, run.id);
    expect(files.map((f) => f.path)).toEqual([
      'run.json',
      'metrics.jsonl',
      'trajectories.jsonl',
      'checkpoints.jsonl',
      'checkpoints/step-4/adapter_model.safetensors',
      'checkpoints/step-4/adapter_config.json',
    ]);
    const bundle = bundleRunFiles(files);
    const target = await RunStore.open({ dbName: `test-${++dbCounter}`, opfs: null });
    const imported = await importRun(target, unbundleRunFiles(bundle));
    expect(imported).toMatchObject({ id: run.id, name: 'tarl demo', status: 'interrupted', lastStep: 4, lastCheckpointStep: 4 });
    expect(await target.metrics(run.id)).toEqual(await store.metrics(run.id));
    const a = await store.queryTrajectories(run.id);
    const b = await target.queryTrajectories(run.id);
    expect(b.map((r) => [r.id, r.step, r.reward, r.success])).toEqual(a.map((r) => [r.id, r.step, r.reward, r.success]));
    expect(b[0].trajectory).toEqual(a[0].trajectory);
    expect(await target.readCheckpointFile(run.id, 4, 'adapter_model.safetensors')).toEqual(adapter);
    await expect(importRun(target, files)).rejects.toThrow(/already exists/);
    expect((await importRun(target, files, { id: 'copy' })).id).toBe('copy');
    target.close();
  });

  it('names what is wrong with a bad export', async () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    await expect(importRun(store, [])).rejects.toThrow(/run.json is missing/);
    await expect(importRun(store, [{ path: 'run.json', bytes: enc('{"format":"x"}') }])).rejects.toThrow(/format is "x"/);
    const head = { path: 'run.json', bytes: enc(JSON.stringify({ format: 'tarl-run', version: 1, run: { id: 'r', name: 'r', status: 'finished', config: {} } })) };
    await expect(importRun(store, [head, { path: 'metrics.jsonl', bytes: enc('{"step":0,"values":{}}\n{oops\n') }])).rejects.toThrow(/metrics.jsonl:2 is not JSON/);
    expect(await store.getRun('r')).toBeUndefined(); // nothing half-imported
    await expect(importRun(store, [{ ...head, bytes: enc(JSON.stringify({ format: 'tarl-run', version: 1, run: { id: 'r2', name: 'r', status: 'finished', config: {} } })) }, { path: 'checkpoints.jsonl', bytes: enc('{"step":1,"files":["adapter_model.safetensors"]}\n') }])).rejects.toThrow(/checkpoints\/step-1\/adapter_model.safetensors is missing/);
    expect(() => unbundleRunFiles('{"format":"nope"}\n')).toThrow(/not a TARL run bundle/);
    const files = bundleRunFiles([{ path: 'a', bytes: new Uint8Array([1]) }, { path: 'b', bytes: new Uint8Array([2]) }]);
    expect(() => unbundleRunFiles(files.split('\n').slice(0, 2).join('\n'))).toThrow(/announces 2 files but holds 1/);
  });
});

describe('folder import', () => {
  it('strips the picked folder name so paths match the export layout', async () => {
    const { runFilesFromPicked } = await import('../../../src/persist/folder.ts');
    const file = (rel: string, body: string) => {
      const f = new File([body], rel.split('/').pop()!);
      Object.defineProperty(f, 'webkitRelativePath', { value: rel });
      return f;
    };
    const files = await runFilesFromPicked([file('my-run/run.json', '{}'), file('my-run/checkpoints/step-4/adapter_config.json', '{"r":8}')]);
    expect(files.map((f) => f.path)).toEqual(['run.json', 'checkpoints/step-4/adapter_config.json']);
    expect(new TextDecoder().decode(files[1].bytes)).toBe('{"r":8}');
    await expect(runFilesFromPicked([])).rejects.toThrow(/no files/);
  });
});
