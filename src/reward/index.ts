// TARL reward shaping: config, pure formulas, and scoring of stored trajectories.
export { DEFAULT_REWARD_CONFIG, rewardConfig, rewardConfigFromPairs, type AdvantageEstimator, type RewardConfig, type RewardMode } from './config.ts';
export { episodeRewards, groupRewards, mean, sampleStd, tokenRewards, turnRewards, turnWeights, type EpisodeRewards, type ScoredEpisode, type TokenRewards } from './shaping.ts';
export { scoreTrajectories, taskKey, turnTable, type ScoredTrajectory } from './trajectories.ts';
