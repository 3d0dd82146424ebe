// The studio's side of the trainer connection. trainer-client.ts implements TrainerControls over
// the trainer worker and connects it once Setup has a policy model; until then every control says
// it is not connected.
import { create } from 'zustand';
import type { RewardConfig } from '../reward/config.ts';

export interface TrainerControls {
  /** Starts a new run with the configuration chosen in Setup. */
  start(): Promise<void>;
  /** Continues a stored run from its last checkpoint (e.g. one interrupted by a reload). */
  resumeRun(runId: string): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  /** Takes effect from the trainer's next step. */
  applyRewardConfig(cfg: RewardConfig): Promise<void>;
}

export type TrainerState = 'idle' | 'running' | 'paused' | 'stopped';

export type TrainerConnection =
  | { status: 'disconnected'; reason: string }
  | { status: 'connected'; controls: TrainerControls; runId: string | null; state: TrainerState };

export const TRAINER_NOT_CONNECTED =
  'The trainer is not connected: choose a policy model in Setup to start a run. Stored and imported runs can be viewed.';

interface TrainerStore {
  connection: TrainerConnection;
  connectTrainer(controls: TrainerControls, runId?: string | null): void;
  setTrainerState(state: TrainerState, runId?: string | null): void;
  disconnectTrainer(reason: string): void;
}

export const useTrainer = create<TrainerStore>((set, get) => ({
  connection: { status: 'disconnected', reason: TRAINER_NOT_CONNECTED },
  connectTrainer: (controls, runId = null) => set({ connection: { status: 'connected', controls, runId, state: 'idle' } }),
  setTrainerState: (state, runId) => {
    const c = get().connection;
    if (c.status !== 'connected') throw new Error('setTrainerState: no trainer is connected');
    set({ connection: { ...c, state, runId: runId === undefined ? c.runId : runId } });
  },
  disconnectTrainer: (reason) => set({ connection: { status: 'disconnected', reason } }),
}));
