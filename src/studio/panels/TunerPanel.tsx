// Reward tuner: edit the reward config and see the loaded trajectories re-scored instantly with the
// pure reward functions (no GPU, no judge calls) — before/after rewards and advantages, and how the
// ranking inside each GRPO group changes. "Apply to run" hands the config to the trainer.
import './panels.css';
import { useDeferredValue, useMemo, useState } from 'react';
import type { RewardConfig } from '../../reward/config.ts';
import { useRollouts } from '../stores/rollouts-store.ts';
import { useTuner } from '../stores/tuner-store.ts';
import { useTrainer } from '../trainer-link.ts';
import { TrajectorySource } from './TrajectorySource.tsx';
import { baselineConfig, presetOf, REWARD_PRESETS, rescore, type PresetName } from '../tuner/rescore.ts';

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');

function Slider({ label, value, min, max, step, onChange, testId }: { label: string; value: number; min: number; max: number; step: number; onChange(v: number): void; testId: string }) {
  return (
    <label className="slider">
      <span>{label}</span>
      <input type="range" min={min} max={max} step={step} value={value} onChange={(e) => onChange(Number(e.target.value))} aria-label={label} data-testid={`${testId}-range`} />
      <input type="number" step="any" value={value} onChange={(e) => e.target.value !== '' && onChange(Number(e.target.value))} aria-label={`${label} value`} data-testid={`${testId}-number`} />
    </label>
  );
}

function Controls() {
  const { config, error, update, applyPreset } = useTuner();
  const preset = presetOf(config);
  const set = (p: Partial<RewardConfig>) => update(p);
  return (
    <div className="tuner-controls" aria-label="Reward config">
      <div className="presets" role="group" aria-label="Presets">
        {(Object.keys(REWARD_PRESETS) as PresetName[]).map((n) => (
          <button type="button" key={n} aria-pressed={preset === n} className={preset === n ? 'active' : ''} onClick={() => applyPreset(n)}>{n}</button>
        ))}
      </div>
      <Slider label="terminal ×" testId="terminal" value={config.terminal} min={0} max={20} step={0.5} onChange={(v) => set({ terminal: v })} />
      <Slider label="deviation ×" testId="deviation" value={config.deviation} min={0} max={20} step={0.5} onChange={(v) => set({ deviation: v })} />
      <label className="slider">
        <span>other turns ×</span>
        <select value={config.turnWeight === 'inverse-T' ? 'inverse-T' : 'fixed'} onChange={(e) => set({ turnWeight: e.target.value === 'inverse-T' ? 'inverse-T' : 0.2 })} aria-label="Other turns weight kind">
          <option value="inverse-T">1/T</option>
          <option value="fixed">fixed number</option>
        </select>
        {config.turnWeight !== 'inverse-T' && (
          <input type="number" step="any" value={config.turnWeight} onChange={(e) => e.target.value !== '' && set({ turnWeight: Number(e.target.value) })} aria-label="Other turns weight" />
        )}
      </label>
      <label className="slider">
        <span>aggregation</span>
        <select value={config.mode} onChange={(e) => set({ mode: e.target.value as RewardConfig['mode'] })} aria-label="Aggregation mode">
          <option value="trajectory">trajectory-level (TARL)</option>
          <option value="terminal">terminal only</option>
          <option value="turn">per-turn (returns)</option>
        </select>
      </label>
      {config.mode === 'turn' && <Slider label="γ (turn returns)" testId="gamma" value={config.gamma} min={0} max={1} step={0.01} onChange={(v) => set({ gamma: v })} />}
      <label className="slider">
        <span>advantage</span>
        <select value={config.advantage} onChange={(e) => set({ advantage: e.target.value as RewardConfig['advantage'] })} aria-label="Advantage normalisation">
          <option value="grpo">GRPO: (R − mean) / std</option>
          <option value="drgrpo">Dr.GRPO: R − mean</option>
        </select>
      </label>
      {error && <p className="error-text" role="alert">{error}</p>}
    </div>
  );
}

function ApplyToRun() {
  const connection = useTrainer((s) => s.connection);
  const config = useTuner((s) => s.config);
  const [note, setNote] = useState<string>();
  return (
    <div className="apply">
      <button
        type="button"
        disabled={connection.status !== 'connected'}
        onClick={() => {
          if (connection.status !== 'connected') return;
          connection.controls.applyRewardConfig(config).then(
            () => setNote('Sent: the trainer uses this config from its next step.'),
            (e: Error) => setNote(`The trainer refused the config: ${e.message}`),
          );
        }}
      >
        Apply to run
      </button>
      {connection.status === 'disconnected' && <span className="notice">{connection.reason}</span>}
      {note && <span className="muted">{note}</span>}
    </div>
  );
}

export function TunerPanel() {
  const all = useRollouts((s) => s.items);
  const source = useRollouts((s) => s.source);
  const [step, setStep] = useState<number | 'all'>('all');
  const steps = useMemo(() => [...new Set(all.map((i) => i.step).filter((x): x is number => x !== undefined))].sort((a, b) => a - b), [all]);
  const items = useMemo(() => (step === 'all' ? all : all.filter((i) => i.step === step)), [all, step]);
  const loadError = useRollouts((s) => s.error);
  const config = useTuner((s) => s.config);
  const deferred = useDeferredValue(config); // keeps the slider responsive on large sets
  const base = useMemo(() => baselineConfig(items), [items]);
  const groups = useMemo(() => rescore(items, base.config, deferred), [items, base, deferred]);
  const changed = groups.filter((g) => g.rankingChanged).length;
  return (
    <div className="tuner">
      <h2>Reward tuner</h2>
      <Controls />
      <ApplyToRun />
      {all.length === 0 ? (
        <>
          <p className="muted">No trajectories to re-score: load some here or in Rollouts.</p>
          <TrajectorySource />
        </>
      ) : (
        <section aria-label="Re-scored trajectories">
          {steps.length > 1 && (
            <label className="filters">
              re-score step{' '}
              <select value={String(step)} onChange={(e) => setStep(e.target.value === 'all' ? 'all' : Number(e.target.value))} aria-label="Steps to re-score">
                <option value="all">all loaded steps</option>
                {steps.map((x) => <option key={x} value={x}>{x}</option>)}
              </select>
            </label>
          )}
          <p className="muted" data-testid="tuner-summary">
            {items.length} trajectories from {source} in {groups.length} groups, compared with {base.recorded ? 'the config they were scored with' : 'the default config'} · ranking changes in {changed} group{changed === 1 ? '' : 's'}
          </p>
          {loadError && <p className="error-text" role="alert">{loadError}</p>}
          {groups.map((g) => (
            <table key={g.key} className={`rescore${g.rankingChanged ? ' reordered' : ''}`} data-group={g.key}>
              <caption>
                {g.key}
                {g.rankingChanged && <span className="badge-changed">ranking changed</span>}
              </caption>
              <thead>
                <tr><th>trajectory</th><th>ok</th><th>reward before</th><th>after</th><th>Δ</th><th>advantage before</th><th>after</th><th>rank</th></tr>
              </thead>
              <tbody>
                {g.members.map((m) => {
                  const d = m.after.reward - m.before.reward;
                  return (
                    <tr key={m.key} data-trajectory={m.id}>
                      <td>{m.id}</td>
                      <td>{m.success ? '✓' : '✗'}</td>
                      <td className="num">{f(m.before.reward)}</td>
                      <td className="num" data-testid="reward-after">{f(m.after.reward)}</td>
                      <td className={`num ${d > 1e-9 ? 'up' : d < -1e-9 ? 'down' : ''}`}>{Math.abs(d) < 1e-9 ? '·' : (d > 0 ? '+' : '') + d.toFixed(3)}</td>
                      <td className="num">{f(m.before.advantage)}</td>
                      <td className="num">{f(m.after.advantage)}</td>
                      <td className={m.before.rank !== m.after.rank ? 'rank-moved' : ''}>
                        {m.before.rank} → {m.after.rank}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          ))}
        </section>
      )}
    </div>
  );
}
