// Trajectories loaded into the studio (from a JSON-lines file or a stored run), shared by the
// Rollout inspector and the Reward tuner, with the inspector's filter and cursor.
import { create } from 'zustand';
import { filterRollouts, parseTrajectoryFile, type LoadedTrajectory, type RolloutFilter } from '../rollouts/view.ts';
import { agentTurns, type Trajectory } from '../../rollout/trajectory.ts';
import { runStore } from './runs-store.ts';

interface RolloutsState {
  items: LoadedTrajectory[];
  source: string | null;
  error?: string;
  filter: RolloutFilter;
  /** Key of the open trajectory. */
  selected: string | null;
  /** Agent turn under the cursor in the open trajectory. */
  turn: number;
  loadText(text: string, source: string): void;
  loadStored(runId: string, step?: number): Promise<void>;
  setFilter(f: RolloutFilter): void;
  select(key: string | null): void;
  moveTurn(delta: number): void;
  moveTrajectory(delta: number): void;
  /** A live run's new step: appended when its run is the loaded source, else it replaces the list. */
  appendLive(runId: string, step: number, groups: readonly (readonly Trajectory[])[]): void;
}

/** Live steps kept in the inspector (older ones stay in the RunStore and load from there): few, so a new step re-renders a short list. */
const LIVE_STEPS = 4;

export const visibleRollouts = (s: Pick<RolloutsState, 'items' | 'filter'>) => filterRollouts(s.items, s.filter);

export const useRollouts = create<RolloutsState>((set, get) => {
  const load = (items: LoadedTrajectory[], source: string) => set({ items, source, error: undefined, filter: {}, selected: items[0]?.key ?? null, turn: 0 });
  return {
    items: [],
    source: null,
    filter: {},
    selected: null,
    turn: 0,
    loadText: (text, source) => {
      try {
        load(parseTrajectoryFile(text, source), source);
      } catch (e) {
        set({ error: (e as Error).message });
      }
    },
    loadStored: async (runId, step) => {
      try {
        const rows = await (await runStore()).queryTrajectories(runId, step === undefined ? {} : { step });
        if (!rows.length) throw new Error(`run ${runId} has no stored trajectories${step === undefined ? '' : ` at step ${step}`}`);
        load(rows.map((r) => ({ key: `${r.step}/${r.id}`, trajectory: r.trajectory, step: r.step, group: r.group, source: runId })), `run ${runId}`);
      } catch (e) {
        set({ error: (e as Error).message });
      }
    },
    setFilter: (filter) => {
      const visible = filterRollouts(get().items, filter);
      const keep = visible.some((v) => v.key === get().selected);
      set({ filter, ...(keep ? {} : { selected: visible[0]?.key ?? null, turn: 0 }) });
    },
    select: (key) => set({ selected: key, turn: 0 }),
    moveTurn: (delta) => {
      const open = get().items.find((i) => i.key === get().selected);
      if (!open) return;
      const T = agentTurns(open.trajectory).length;
      set({ turn: Math.max(0, Math.min(T - 1, get().turn + delta)) });
    },
    appendLive: (runId, step, groups) => {
      const source = `run ${runId}`;
      const fresh = groups.flatMap((g, group) => g.map((trajectory) => ({ key: `${step}/${trajectory.id}`, trajectory, step, group, source: runId })));
      const s = get();
      if (s.source !== source) {
        load(fresh, source);
        return;
      }
      const minStep = step - LIVE_STEPS + 1;
      const items = [...s.items.filter((i) => (i.step ?? 0) >= minStep && !fresh.some((f) => f.key === i.key)), ...fresh];
      set({ items, ...(s.selected === null || !items.some((i) => i.key === s.selected) ? { selected: items[0]?.key ?? null, turn: 0 } : {}) });
    },
    moveTrajectory: (delta) => {
      const visible = visibleRollouts(get());
      if (!visible.length) return;
      const i = visible.findIndex((v) => v.key === get().selected);
      const next = Math.max(0, Math.min(visible.length - 1, (i < 0 ? 0 : i) + delta));
      set({ selected: visible[next].key, turn: 0 });
    },
  };
});
