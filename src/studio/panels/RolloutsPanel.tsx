// Rollout inspector: load trajectories (a JSON-lines file or a stored run), filter them, read one
// turn by turn with judge badges, ground-truth comparison, verifier verdict and reward breakdown.
// Keys: j / ↓ next turn, k / ↑ previous turn, n / → next trajectory, p / ← previous trajectory.
import './panels.css';
import { useEffect, useMemo, useState } from 'react';
import type { JudgeResult } from '../../rollout/trajectory.ts';
import { CallComparison } from '../rollouts/CallComparison.tsx';
import { CompareJudge } from '../rollouts/CompareJudge.tsx';
import { JudgeBadge } from '../rollouts/JudgeBadge.tsx';
import { RewardBreakdownTable } from '../rollouts/RewardBreakdownTable.tsx';
import { Transcript } from '../rollouts/Transcript.tsx';
import { alignCalls, isSuccess, rewardBreakdown, storedReward, type RolloutFilter } from '../rollouts/view.ts';
import { useRollouts, visibleRollouts } from '../stores/rollouts-store.ts';
import { useRuns } from '../stores/runs-store.ts';
import { TrajectorySource } from './TrajectorySource.tsx';

const KEYS: Record<string, [kind: 'turn' | 'trajectory', delta: number]> = {
  j: ['turn', 1], ArrowDown: ['turn', 1], k: ['turn', -1], ArrowUp: ['turn', -1],
  n: ['trajectory', 1], ArrowRight: ['trajectory', 1], p: ['trajectory', -1], ArrowLeft: ['trajectory', -1],
};

function useKeyboardNavigation() {
  const moveTurn = useRollouts((s) => s.moveTurn);
  const moveTrajectory = useRollouts((s) => s.moveTrajectory);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      if (el && (el.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName))) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const hit = KEYS[e.key];
      if (!hit) return;
      e.preventDefault();
      if (hit[0] === 'turn') moveTurn(hit[1]);
      else moveTrajectory(hit[1]);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [moveTurn, moveTrajectory]);
}

const num = (s: string) => (s.trim() === '' ? undefined : Number(s));

function Filters() {
  const filter = useRollouts((s) => s.filter);
  const setFilter = useRollouts((s) => s.setFilter);
  const items = useRollouts((s) => s.items);
  const steps = useMemo(() => [...new Set(items.map((i) => i.step).filter((s): s is number => s !== undefined))].sort((a, b) => a - b), [items]);
  const tasks = useMemo(() => [...new Set(items.map((i) => i.trajectory.task.index))].sort((a, b) => a - b), [items]);
  const patch = (p: Partial<RolloutFilter>) => setFilter({ ...filter, ...p });
  return (
    <div className="filters" aria-label="Filters">
      {steps.length > 0 && (
        <label>
          step{' '}
          <select value={filter.step ?? ''} onChange={(e) => patch({ step: num(e.target.value) })}>
            <option value="">all</option>
            {steps.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
      )}
      <label>
        task{' '}
        <select value={filter.task ?? ''} onChange={(e) => patch({ task: num(e.target.value) })} aria-label="Filter by task">
          <option value="">all</option>
          {tasks.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </label>
      <label>
        success{' '}
        <select value={filter.success === undefined ? '' : String(filter.success)} onChange={(e) => patch({ success: e.target.value === '' ? undefined : e.target.value === 'true' })} aria-label="Filter by success">
          <option value="">all</option>
          <option value="true">succeeded</option>
          <option value="false">failed</option>
        </select>
      </label>
      <label>
        reward ≥ <input type="number" step="any" value={filter.minReward ?? ''} onChange={(e) => patch({ minReward: num(e.target.value) })} aria-label="Minimum reward" />
      </label>
      <label>
        ≤ <input type="number" step="any" value={filter.maxReward ?? ''} onChange={(e) => patch({ maxReward: num(e.target.value) })} aria-label="Maximum reward" />
      </label>
    </div>
  );
}

export function RolloutsPanel() {
  useKeyboardNavigation();
  const state = useRollouts();
  const { items, filter } = state;
  const visible = useMemo(() => visibleRollouts({ items, filter }), [items, filter]);
  const open = state.items.find((i) => i.key === state.selected);
  const [compare, setCompare] = useState<{ key: string; result: JudgeResult }>();
  const aligned = useMemo(() => (open ? alignCalls(open.trajectory) : undefined), [open]);
  const breakdown = useMemo(() => (open ? rewardBreakdown(open.trajectory) : undefined), [open]);
  const refreshRuns = useRuns((s) => s.refresh);
  useEffect(() => {
    void refreshRuns();
  }, [refreshRuns]);

  return (
    <div className="rollouts">
      <h2>Rollouts</h2>
      <TrajectorySource />
      {state.error && <p className="error-text" role="alert">{state.error}</p>}
      {state.items.length === 0 ? (
        <p className="muted">No trajectories loaded. Pick a JSON-lines file (the output of <code>tarl episode</code>, or a run export's trajectories.jsonl), or load a stored run.</p>
      ) : (
        <>
          <Filters />
          <p className="muted">{visible.length} of {state.items.length} trajectories from {state.source} · keys: j/k turn, n/p trajectory</p>
          <div className="inspector">
            <div className="list-scroll">
            <table className="rollout-list" aria-label="Trajectories">
              <thead>
                <tr><th>trajectory</th><th>step</th><th>task</th><th>reward</th><th>ok</th><th>judge</th></tr>
              </thead>
              <tbody>
                {visible.map((v) => {
                  const r = storedReward(v.trajectory);
                  return (
                    <tr key={v.key} className={v.key === state.selected ? 'selected' : ''} data-key={v.key} onClick={() => state.select(v.key)}>
                      <td>{v.trajectory.id}</td>
                      <td>{v.step ?? '—'}</td>
                      <td>{v.trajectory.task.index}</td>
                      <td className="num">{r === undefined ? '—' : r.toFixed(2)}</td>
                      <td>{isSuccess(v.trajectory) ? '✓' : '✗'}</td>
                      <td className="mini-badges">{(v.trajectory.judge?.turns ?? []).map((j) => <JudgeBadge key={j.agentTurn} score={j.score} />)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            </div>
            {open && aligned && breakdown && (
              <div className="detail" data-open={open.key}>
                <h3>
                  {open.trajectory.id} <span className="muted">task {open.trajectory.task.split}/{open.trajectory.task.index} · {open.trajectory.agent.kind} {open.trajectory.agent.name} · seed {open.trajectory.seed}</span>
                </h3>
                <p className="instruction">{open.trajectory.task.instruction}</p>
                <div className="detail-grid">
                  <Transcript trajectory={open.trajectory} calls={aligned.agent} cursor={state.turn} onPickTurn={(t) => useRollouts.setState({ turn: t })} />
                  <div className="side">
                    <h4>Verifier</h4>
                    <p className={`verdict ${isSuccess(open.trajectory) ? 'good' : 'bad'}`} data-testid="verdict">
                      {open.trajectory.verifier ? `reward ${open.trajectory.verifier.reward} — ${isSuccess(open.trajectory) ? 'task solved' : 'task not solved'}` : 'not verified'} · ended by {open.trajectory.end.reason}
                      {open.trajectory.end.detail ? ` (${open.trajectory.end.detail})` : ''}
                    </p>
                    {open.trajectory.verifier?.info && <pre className="verifier-info">{JSON.stringify(open.trajectory.verifier.info, null, 1)}</pre>}
                    <h4>Tool calls vs ground truth</h4>
                    <CallComparison truth={aligned.truth} agent={aligned.agent} />
                    <h4>Reward breakdown</h4>
                    <CompareJudge key={open.key} trajectory={open.trajectory} onResult={(result) => setCompare({ key: open.key, result })} />
                    {open.trajectory.judge?.flagged && <p className="error-text">The judge failed on this trajectory ({open.trajectory.judge.error}); its scores are neutral.</p>}
                    <RewardBreakdownTable b={breakdown} cursor={state.turn} compare={compare?.key === open.key ? compare.result : undefined} />
                  </div>
                </div>
              </div>
            )}
          </div>
        </>
      )}
    </div>
  );
}
