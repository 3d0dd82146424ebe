// Run persistence in IndexedDB (via idb): runs, per-step metrics, trajectories, checkpoints.
// Works in the browser (and its workers) and in Node under fake-indexeddb for the unit tests.
import { openDB, type IDBPDatabase } from 'idb';
import type { Trajectory } from '../rollout/trajectory.ts';
import { BLOB_STORE_NAME, IdbBlobStore, OpfsBlobStore, type BlobStore } from './blobs.ts';
import {
  RUN_STATUSES,
  type CheckpointRecord,
  type MetricRow,
  type RunRecord,
  type RunStatus,
  type TrajectoryQuery,
  type TrajectoryRow,
} from './types.ts';

export const DEFAULT_DB_NAME = 'tarl-studio';
const DB_VERSION = 1;
/** Checkpoint files at least this large go to OPFS when the browser has it. */
export const OPFS_THRESHOLD_BYTES = 1 << 20;

export interface OpenOptions {
  dbName?: string;
  /** null: never use OPFS; undefined: use it when available. */
  opfs?: BlobStore | null;
  opfsThresholdBytes?: number;
}

function upgrade(db: IDBPDatabase): void {
  db.createObjectStore('runs', { keyPath: 'id' });
  db.createObjectStore('metrics', { keyPath: ['runId', 'step'] });
  const tr = db.createObjectStore('trajectories', { keyPath: ['runId', 'id'] });
  tr.createIndex('byStep', ['runId', 'step']);
  tr.createIndex('byTask', ['runId', 'taskIndex']);
  tr.createIndex('byReward', ['runId', 'reward']);
  tr.createIndex('bySuccess', ['runId', 'success']);
  db.createObjectStore('checkpoints', { keyPath: ['runId', 'step'] });
  db.createObjectStore(BLOB_STORE_NAME);
}

const runRange = (runId: string) => IDBKeyRange.bound([runId], [runId, []]);
const now = () => new Date().toISOString();

function checkStep(step: number, what: string): void {
  if (!Number.isInteger(step) || step < 0) throw new Error(`${what}: step must be a non-negative integer (got ${step})`);
}

export function newRunId(): string {
  const rand = globalThis.crypto?.randomUUID?.().slice(0, 8) ?? Math.random().toString(16).slice(2, 10);
  return `run-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${rand}`;
}

export class RunStore {
  private constructor(
    readonly db: IDBPDatabase,
    private readonly idbBlobs: BlobStore,
    private readonly opfs: BlobStore | null,
    private readonly opfsThreshold: number,
  ) {}

  static async open(opts: OpenOptions = {}): Promise<RunStore> {
    if (typeof indexedDB === 'undefined') throw new Error('IndexedDB is not available here: runs cannot be stored');
    const db = await openDB(opts.dbName ?? DEFAULT_DB_NAME, DB_VERSION, { upgrade: (d) => upgrade(d as unknown as IDBPDatabase) });
    const opfs = opts.opfs === undefined ? await OpfsBlobStore.open() : opts.opfs;
    return new RunStore(db as unknown as IDBPDatabase, new IdbBlobStore(db as unknown as IDBPDatabase), opfs, opts.opfsThresholdBytes ?? OPFS_THRESHOLD_BYTES);
  }

  close(): void {
    this.db.close();
  }

  // ---- runs
  async createRun(init: { name: string; config: unknown; id?: string }): Promise<RunRecord> {
    const id = init.id ?? newRunId();
    if (await this.db.get('runs', id)) throw new Error(`run "${id}" already exists`);
    const t = now();
    const run: RunRecord = { id, name: init.name, createdAt: t, updatedAt: t, status: 'created', config: init.config, lastStep: -1 };
    await this.db.put('runs', run);
    return run;
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    return this.db.get('runs', id);
  }

  private async mustGetRun(id: string): Promise<RunRecord> {
    const run = await this.getRun(id);
    if (!run) throw new Error(`no stored run "${id}"`);
    return run;
  }

  /** Newest first. */
  async listRuns(): Promise<RunRecord[]> {
    const runs = (await this.db.getAll('runs')) as RunRecord[];
    return runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async setStatus(id: string, status: RunStatus, error?: string): Promise<RunRecord> {
    if (!RUN_STATUSES.includes(status)) throw new Error(`unknown run status "${status}"`);
    const run = await this.mustGetRun(id);
    const next: RunRecord = { ...run, status, updatedAt: now(), ...(error !== undefined ? { error } : {}) };
    await this.db.put('runs', next);
    return next;
  }

  /** A run left 'running' when the page closed was interrupted: mark it so the studio can offer resume. */
  async markInterrupted(): Promise<string[]> {
    const hit = (await this.listRuns()).filter((r) => r.status === 'running');
    for (const r of hit) await this.setStatus(r.id, 'interrupted');
    return hit.map((r) => r.id);
  }

  // ---- metrics
  /** Stores one step's metrics; `merge` adds to a row already stored for the step (e.g. an eval after its step). */
  async appendMetrics(runId: string, step: number, values: Record<string, number>, opts: { merge?: boolean } = {}): Promise<void> {
    checkStep(step, 'appendMetrics');
    for (const [k, v] of Object.entries(values)) {
      if (typeof v !== 'number') throw new Error(`appendMetrics: metric "${k}" is not a number (got ${JSON.stringify(v)})`);
    }
    const tx = this.db.transaction(['runs', 'metrics'], 'readwrite');
    const run = (await tx.objectStore('runs').get(runId)) as RunRecord | undefined;
    if (!run) throw new Error(`appendMetrics: no stored run "${runId}"`);
    const prior = opts.merge ? ((await tx.objectStore('metrics').get([runId, step])) as MetricRow | undefined) : undefined;
    const row: MetricRow = { runId, step, values: prior ? { ...prior.values, ...values } : values };
    await tx.objectStore('metrics').put(row);
    if (step > run.lastStep) await tx.objectStore('runs').put({ ...run, lastStep: step, updatedAt: now() });
    await tx.done;
  }

  /** Ascending by step. */
  async metrics(runId: string): Promise<MetricRow[]> {
    return this.db.getAll('metrics', runRange(runId));
  }

  // ---- trajectories
  async putTrajectories(runId: string, step: number, items: { trajectory: Trajectory; group: number }[]): Promise<void> {
    checkStep(step, 'putTrajectories');
    await this.mustGetRun(runId);
    const tx = this.db.transaction('trajectories', 'readwrite');
    for (const { trajectory: t, group } of items) {
      const reward = t.rewards?.result.reward;
      const row: TrajectoryRow = {
        runId,
        id: t.id,
        step,
        group,
        taskIndex: t.task.index,
        success: (t.verifier?.reward ?? 0) >= 1 - 1e-6 ? 1 : 0,
        trajectory: t,
        ...(typeof reward === 'number' && Number.isFinite(reward) ? { reward } : {}),
      };
      await tx.store.put(row);
    }
    await tx.done;
  }

  /** Uses the most selective index the query names; remaining conditions filter in memory. */
  async queryTrajectories(runId: string, q: TrajectoryQuery = {}): Promise<TrajectoryRow[]> {
    const store = this.db.transaction('trajectories').store;
    let rows: TrajectoryRow[];
    if (q.step !== undefined) rows = await store.index('byStep').getAll(IDBKeyRange.only([runId, q.step]));
    else if (q.taskIndex !== undefined) rows = await store.index('byTask').getAll(IDBKeyRange.only([runId, q.taskIndex]));
    else if (q.minReward !== undefined || q.maxReward !== undefined) {
      rows = await store.index('byReward').getAll(IDBKeyRange.bound([runId, q.minReward ?? -Infinity], [runId, q.maxReward ?? Infinity]));
    } else if (q.success !== undefined) rows = await store.index('bySuccess').getAll(IDBKeyRange.only([runId, q.success ? 1 : 0]));
    else rows = await store.getAll(runRange(runId));
    return rows
      .filter(
        (r) =>
          (q.step === undefined || r.step === q.step) &&
          (q.taskIndex === undefined || r.taskIndex === q.taskIndex) &&
          (q.success === undefined || r.success === (q.success ? 1 : 0)) &&
          (q.minReward === undefined || (r.reward !== undefined && r.reward >= q.minReward)) &&
          (q.maxReward === undefined || (r.reward !== undefined && r.reward <= q.maxReward)),
      )
      .sort((a, b) => a.step - b.step || a.group - b.group || a.id.localeCompare(b.id));
  }

  /** Steps that have stored trajectories, ascending. */
  async trajectorySteps(runId: string): Promise<number[]> {
    const steps: number[] = [];
    let cursor = await this.db.transaction('trajectories').store.index('byStep').openKeyCursor(runRange(runId), 'nextunique');
    while (cursor) {
      steps.push((cursor.key as [string, number])[1]);
      cursor = await cursor.continue();
    }
    return steps;
  }

  // ---- checkpoints
  private blobsFor(location: 'idb' | 'opfs'): BlobStore {
    if (location === 'opfs') {
      if (!this.opfs) throw new Error('checkpoint file is in OPFS, which this browser does not offer');
      return this.opfs;
    }
    return this.idbBlobs;
  }

  private static blobKey(runId: string, step: number, name: string): string {
    if (!name || name.includes('/') || name.startsWith('.')) throw new Error(`checkpoint file name "${name}" must be a plain file name`);
    return `${runId}/step-${step}/${name}`;
  }

  async putCheckpoint(runId: string, step: number, files: { name: string; bytes: Uint8Array }[], meta?: unknown): Promise<CheckpointRecord> {
    checkStep(step, 'putCheckpoint');
    const run = await this.mustGetRun(runId);
    const rec: CheckpointRecord = { runId, step, createdAt: now(), files: [], ...(meta !== undefined ? { meta } : {}) };
    // Bytes first, record last: a crash in between leaves no record pointing at missing bytes.
    for (const f of files) {
      const location = this.opfs && f.bytes.byteLength >= this.opfsThreshold ? 'opfs' : 'idb';
      await this.blobsFor(location).put(RunStore.blobKey(runId, step, f.name), f.bytes);
      rec.files.push({ name: f.name, size: f.bytes.byteLength, location });
    }
    await this.db.put('checkpoints', rec);
    if (run.lastCheckpointStep === undefined || step >= run.lastCheckpointStep) {
      await this.db.put('runs', { ...(await this.mustGetRun(runId)), lastCheckpointStep: step, updatedAt: now() });
    }
    return rec;
  }

  /** Ascending by step. */
  async listCheckpoints(runId: string): Promise<CheckpointRecord[]> {
    return this.db.getAll('checkpoints', runRange(runId));
  }

  async latestCheckpoint(runId: string): Promise<CheckpointRecord | undefined> {
    const all = await this.listCheckpoints(runId);
    return all[all.length - 1];
  }

  async readCheckpointFile(runId: string, step: number, name: string): Promise<Uint8Array> {
    const rec = (await this.db.get('checkpoints', [runId, step])) as CheckpointRecord | undefined;
    const file = rec?.files.find((f) => f.name === name);
    if (!rec || !file) throw new Error(`run "${runId}" has no checkpoint file "${name}" at step ${step}`);
    const bytes = await this.blobsFor(file.location).get(RunStore.blobKey(runId, step, name));
    if (!bytes) throw new Error(`checkpoint file "${name}" of run "${runId}" step ${step} is recorded but its bytes are missing`);
    return bytes;
  }

  // ---- housekeeping
  async deleteRun(runId: string): Promise<void> {
    await this.mustGetRun(runId);
    await this.idbBlobs.deletePrefix(`${runId}/`);
    await this.opfs?.deletePrefix(`${runId}/`);
    const tx = this.db.transaction(['runs', 'metrics', 'trajectories', 'checkpoints'], 'readwrite');
    await Promise.all([
      tx.objectStore('metrics').delete(runRange(runId)),
      tx.objectStore('trajectories').delete(runRange(runId)),
      tx.objectStore('checkpoints').delete(runRange(runId)),
      tx.objectStore('runs').delete(runId),
    ]);
    await tx.done;
  }
}

export interface StorageUsage {
  usageBytes: number;
  quotaBytes: number;
}

/** The origin's storage use and quota, or null where the browser does not say. */
export async function storageUsage(): Promise<StorageUsage | null> {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
  if (!storage || typeof storage.estimate !== 'function') return null;
  const e = await storage.estimate();
  return { usageBytes: e.usage ?? 0, quotaBytes: e.quota ?? 0 };
}
