// Studio state (zustand). Panels read slices of it; workers write into it through actions.
import { create } from 'zustand';
import type { AdapterReport } from '../gpu/device.ts';

export type PanelId = 'setup' | 'training' | 'rollouts' | 'tuner';

export type GpuState =
  | { status: 'probing' }
  | { status: 'ready'; report: AdapterReport }
  | { status: 'unavailable'; message: string };

interface StudioState {
  panel: PanelId;
  gpu: GpuState;
  setPanel(panel: PanelId): void;
  setGpu(gpu: GpuState): void;
}

export const useStudio = create<StudioState>((set) => ({
  panel: 'setup',
  gpu: { status: 'probing' },
  setPanel: (panel) => set({ panel }),
  setGpu: (gpu) => set({ gpu }),
}));
