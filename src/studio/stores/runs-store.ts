// The stored-runs list (IndexedDB/OPFS via src/persist) for the studio: list, show, export, import, delete.
import { create } from 'zustand';
import { bundleRunFiles, exportRun, importRun, unbundleRunFiles, type RunFile } from '../../persist/export.ts';
import { runFilesFromPicked, writeRunFolder } from '../../persist/folder.ts';
import { RunStore, storageUsage, type StorageUsage } from '../../persist/run-store.ts';
import type { RunRecord } from '../../persist/types.ts';
import { downloadBlob } from '../charts/export-image.ts';
import { useTrainer } from '../trainer-link.ts';
import { configuredSteps } from '../training/progress.ts';
import { useMetrics } from './metrics-store.ts';

let opened: Promise<RunStore> | undefined;
/** The one RunStore of this page (opened on first use). */
export function runStore(): Promise<RunStore> {
  opened ??= RunStore.open();
  return opened;
}

interface RunsState {
  runs: RunRecord[];
  usage: StorageUsage | null;
  error?: string;
  message?: string;
  loaded: boolean;
  refresh(): Promise<void>;
  showRun(id: string): Promise<void>;
  deleteRun(id: string): Promise<void>;
  exportRun(id: string): Promise<void>;
  importBundle(file: File): Promise<void>;
  /** Writes the run as a folder (run.json, JSON lines, checkpoints/step-N/ adapter files). */
  exportToFolder(id: string, dir: FileSystemDirectoryHandle): Promise<void>;
  importFolder(files: FileList): Promise<void>;
}

export const useRuns = create<RunsState>((set, get) => {
  /** Runs an action, turning any failure into the panel's one-line error. */
  const guarded = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
      set({ error: undefined });
    } catch (e) {
      set({ error: `${what}: ${(e as Error).message}` });
    }
  };
  const imported = async (files: RunFile[]) => {
    const run = await importRun(await runStore(), files);
    set({ message: `Imported run ${run.id} (${run.lastStep + 1} steps of metrics).` });
    await get().refresh();
    await get().showRun(run.id);
  };
  return {
    runs: [],
    usage: null,
    loaded: false,
    refresh: () =>
      guarded('Could not read the stored runs', async () => {
        const store = await runStore();
        // While no run is live in this page, a run left "running" (page closed mid-run) was interrupted.
        const c = useTrainer.getState().connection;
        if (c.status === 'disconnected' || (c.state !== 'running' && c.state !== 'paused')) await store.markInterrupted();
        set({ runs: await store.listRuns(), usage: await storageUsage(), loaded: true });
      }),
    showRun: (id) =>
      guarded('Could not load the run', async () => {
        const store = await runStore();
        const run = await store.getRun(id);
        if (!run) throw new Error(`no stored run "${id}"`);
        useMetrics.getState().show(id, await store.metrics(id), configuredSteps(run.config));
      }),
    deleteRun: (id) =>
      guarded('Could not delete the run', async () => {
        await (await runStore()).deleteRun(id);
        if (useMetrics.getState().runId === id) useMetrics.getState().show(null, []);
        set({ message: `Deleted run ${id}.` });
        await get().refresh();
      }),
    exportRun: (id) =>
      guarded('Could not export the run', async () => {
        const files = await exportRun(await runStore(), id);
        downloadBlob(new Blob([bundleRunFiles(files)], { type: 'application/jsonl' }), `${id}.tarlrun.jsonl`);
        set({ message: `Exported ${id} (${files.length} files in one bundle).` });
      }),
    importBundle: (file) => guarded(`Could not import ${file.name}`, async () => imported(unbundleRunFiles(await file.text()))),
    exportToFolder: (id, dir) =>
      guarded('Could not export the run', async () => {
        const files = await exportRun(await runStore(), id);
        const bytes = await writeRunFolder(dir, files);
        set({ message: `Exported ${id} to the folder "${dir.name}" (${files.length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB).` });
      }),
    importFolder: (files) => guarded('Could not import the folder', async () => imported(await runFilesFromPicked(files))),
  };
});
