// Per-turn reward parts of one trajectory: the judge score, the deviation part (−deviation on the
// −1 turn), the 1/T (or fixed-weight) part of the other turns, the return credited to the turn,
// and the terminal part; optionally a second judge's scores beside the first.
import type { JudgeResult } from '../../rollout/trajectory.ts';
import { JudgeBadge } from './JudgeBadge.tsx';
import type { RewardBreakdown } from './view.ts';

const f = (x: number) => (Number.isFinite(x) ? (Math.abs(x) < 1e-12 ? '0' : x.toFixed(3)) : '—');

export function RewardBreakdownTable({ b, cursor, compare }: { b: RewardBreakdown; cursor: number; compare?: JudgeResult }) {
  const other = new Map((compare?.turns ?? []).map((t) => [t.agentTurn, t]));
  const w = b.config.turnWeight === 'inverse-T' ? `1/T = 1/${b.T}` : `${b.config.turnWeight}`;
  return (
    <div className="breakdown">
      <p className="muted">
        {b.recorded ? 'as scored' : 'default config (trajectory not scored)'}: mode {b.config.mode}, terminal ×{b.config.terminal}, deviation ×{b.config.deviation}, other turns ×{w}
      </p>
      <table aria-label="Per-turn reward breakdown">
        <thead>
          <tr>
            <th>turn</th><th>judge</th>{compare && <th>{compare.judge}</th>}<th>deviation part</th><th>other-turn part</th><th>credited</th>
          </tr>
        </thead>
        <tbody>
          {b.rows.map((r) => {
            const o = other.get(r.agentTurn);
            return (
              <tr key={r.agentTurn} className={r.agentTurn === cursor ? 'cursor' : ''} data-turn={r.agentTurn}>
                <td>{r.agentTurn}</td>
                <td><JudgeBadge score={r.score} rationale={r.rationale} /></td>
                {compare && <td className={o && o.score !== r.score ? 'differs' : ''}><JudgeBadge score={o?.score} rationale={o?.rationale} /></td>}
                <td className="num">{f(r.deviationPart)}</td>
                <td className="num">{f(r.otherPart)}</td>
                <td className="num">{f(r.credited)}</td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr><td colSpan={compare ? 3 : 2}>terminal part (terminal × verifier)</td><td colSpan={3} className="num">{f(b.terminalPart)}</td></tr>
          <tr><td colSpan={compare ? 3 : 2}>turn-level part</td><td colSpan={3} className="num">{b.config.mode === 'terminal' ? 'not used (terminal mode)' : f(b.turnPart)}</td></tr>
          <tr><td colSpan={compare ? 3 : 2}><strong>episode reward</strong></td><td colSpan={3} className="num" data-testid="episode-reward"><strong>{f(b.reward)}</strong></td></tr>
        </tfoot>
      </table>
    </div>
  );
}
