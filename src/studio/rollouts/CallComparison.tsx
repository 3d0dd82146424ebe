// Ground-truth actions side by side with the agent's calls: matched pairs on one row (green),
// missing ground-truth actions (red) and agent calls outside the ground truth (amber) on their own.
import type { AgentCallView, TruthView } from './view.ts';

const show = (name: string, args: unknown) => `${name}(${JSON.stringify(args)})`;

export function CallComparison({ truth, agent }: { truth: TruthView[]; agent: AgentCallView[] }) {
  const rows: { key: string; left?: string; right?: string; kind: 'match' | 'missing' | 'extra' | 'failed'; turn?: number }[] = [];
  for (const t of truth) {
    const call = t.matchedBy && agent.find((a) => a.callId === t.matchedBy!.callId);
    rows.push({ key: `t${t.index}`, left: show(t.action.name, t.action.kwargs), right: call ? show(call.name, call.arguments) : undefined, kind: call ? 'match' : 'missing', turn: call?.agentTurn });
  }
  for (const a of agent) if (a.truthIndex < 0) rows.push({ key: a.callId, right: show(a.name, a.arguments), kind: a.ok ? 'extra' : 'failed', turn: a.agentTurn });
  return (
    <table className="call-compare" aria-label="Ground truth vs agent calls">
      <thead>
        <tr><th>ground truth</th><th>agent</th><th>turn</th></tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} className={r.kind} data-kind={r.kind}>
            <td><code>{r.left ?? '—'}</code></td>
            <td><code>{r.right ?? (r.kind === 'missing' ? 'not done' : '—')}</code></td>
            <td>{r.turn ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
