// The Reward tuner's candidate config. Every change is validated by rewardConfig(); a bad value is
// reported and the last valid config stays in force.
import { create } from 'zustand';
import { DEFAULT_REWARD_CONFIG, rewardConfig, type RewardConfig } from '../../reward/config.ts';
import { REWARD_PRESETS, type PresetName } from '../tuner/rescore.ts';

interface TunerState {
  config: RewardConfig;
  error?: string;
  update(patch: Partial<RewardConfig>): void;
  applyPreset(name: PresetName): void;
}

export const useTuner = create<TunerState>((set, get) => ({
  config: { ...DEFAULT_REWARD_CONFIG },
  update: (patch) => {
    try {
      set({ config: rewardConfig({ ...get().config, ...patch }), error: undefined });
    } catch (e) {
      set({ error: (e as Error).message });
    }
  },
  applyPreset: (name) => set({ config: { ...REWARD_PRESETS[name] }, error: undefined }),
}));
