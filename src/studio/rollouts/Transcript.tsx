// The dialogue of one trajectory: user and agent messages, the agent's tool calls (matched against
// the ground truth or not), collapsible tool outputs, and a judge badge on every agent turn. In a
// speech episode the customer turns the policy heard as audio are marked (HeardAudio.tsx).
import { useEffect, useRef } from 'react';
import type { Trajectory } from '../../rollout/trajectory.ts';
import { HearTurn, SpeechPresetSelect } from './HearTurn.tsx';
import { HeardTurnInfo, SpeechEpisodeNote } from './HeardAudio.tsx';
import { spokenByTurn } from './heard-replay.ts';
import { JudgeBadge } from './JudgeBadge.tsx';
import type { AgentCallView } from './view.ts';

const pretty = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function Transcript({ trajectory, calls, cursor, onPickTurn }: { trajectory: Trajectory; calls: AgentCallView[]; cursor: number; onPickTurn(turn: number): void }) {
  const judged = new Map((trajectory.judge?.turns ?? []).map((j) => [j.agentTurn, j]));
  const byCall = new Map(calls.map((c) => [c.callId, c]));
  const spoken = spokenByTurn(trajectory);
  const current = useRef<HTMLLIElement>(null);
  useEffect(() => {
    current.current?.scrollIntoView({ block: 'nearest' });
  }, [cursor, trajectory.id]);
  let userTurn = -1; // index among the user turns: part of the speech voice's seed
  return (
    <div className="transcript-pane">
      <SpeechEpisodeNote trajectory={trajectory} />
      <SpeechPresetSelect />
      <ol className="transcript" aria-label="Transcript">
        {trajectory.turns.map((turn, i) => {
          if (turn.role === 'system') {
            return (
              <li key={i} className="turn system">
                <details>
                  <summary>system prompt ({turn.text.length} characters)</summary>
                  <pre>{turn.text}</pre>
                </details>
              </li>
            );
          }
          if (turn.role === 'user') {
            userTurn++;
            const heard = spoken.get(i);
            const hearKey = `${trajectory.id}|${trajectory.seed}|${userTurn}|${turn.text}|${heard?.audioKey ?? ''}`;
            return (
              <li key={i} className={`turn user${heard ? ' heard' : ''}`}>
                <span className="who">user</span>{' '}
                {heard ? <HeardTurnInfo spoken={heard} text={turn.text} /> : <span className="text">{turn.text}</span>}
                <HearTurn key={hearKey} trajectory={trajectory} userTurn={userTurn} text={turn.text} heard={heard} />
              </li>
            );
          }
          if (turn.role === 'tool') {
            return (
              <li key={i} className={`turn tool${turn.error ? ' error' : ''}`}>
                <details>
                  <summary>
                    {turn.error ? 'tool error' : 'tool output'} · {turn.name} ({turn.output.length} characters)
                  </summary>
                  <pre>{turn.output}</pre>
                </details>
              </li>
            );
          }
          const j = judged.get(turn.agentTurn);
          const here = turn.agentTurn === cursor;
          return (
            <li key={i} ref={here ? current : undefined} className={`turn agent${here ? ' cursor' : ''}`} data-agent-turn={turn.agentTurn} onClick={() => onPickTurn(turn.agentTurn)}>
              <div className="agent-head">
                <span className="who">agent · turn {turn.agentTurn}</span>
                <JudgeBadge score={j?.score} rationale={j?.rationale} flagged={trajectory.judge?.flagged} />
              </div>
              {turn.text && <div className="text">{turn.text}</div>}
              {turn.parseError && <div className="error-text">unusable tool call: {turn.parseError}</div>}
              {turn.toolCalls.map((c) => {
                const v = byCall.get(c.id);
                const status = !v?.ok ? 'failed' : v.truthIndex >= 0 ? 'match' : 'extra';
                return (
                  <div key={c.id} className={`call ${status}`} data-call-status={status}>
                    <code>
                      {c.name}({pretty(c.arguments)})
                    </code>
                    <span className="call-status">{status === 'match' ? `= ground truth #${v!.truthIndex + 1}` : status === 'failed' ? 'failed' : 'not in ground truth'}</span>
                  </div>
                );
              })}
              {j && (
                <details className="rationale" open={here}>
                  <summary>judge rationale</summary>
                  {j.rationale}
                </details>
              )}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
