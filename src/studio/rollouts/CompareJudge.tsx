// Re-judges the open trajectory with another judge — the deterministic reference judge, or any
// OpenAI-compatible endpoint — for side-by-side comparison. The settings, API key included, live
// only in this page's memory (never stored, never written into trajectories or exports).
import { useState } from 'react';
import { create } from 'zustand';
import { createJudge } from '../../judge/factory.ts';
import { MemoryJudgeCache } from '../../judge/cache.ts';
import type { TurnJudge } from '../../judge/types.ts';
import type { JudgeResult, Trajectory } from '../../rollout/trajectory.ts';

type Kind = 'reference' | 'openai';

interface JudgeSettings {
  kind: Kind;
  baseUrl: string;
  model: string;
  apiKey: string;
}

/** In memory only (no persist middleware): a reload forgets the key. */
const useJudgeSettings = create<JudgeSettings>(() => ({ kind: 'reference', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4.1', apiKey: '' }));
const set = (p: Partial<JudgeSettings>) => useJudgeSettings.setState(p);
/** One cache per page: asking again for the same trajectory and judge costs nothing. */
const cache = new MemoryJudgeCache();

export function CompareJudge({ trajectory, onResult }: { trajectory: Trajectory; onResult(r: JudgeResult): void }) {
  const { kind, baseUrl, model, apiKey } = useJudgeSettings();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string>();

  const run = async () => {
    setBusy(true);
    setNote(undefined);
    try {
      const judge: TurnJudge = kind === 'reference' ? createJudge({ kind: 'reference' }) : createJudge({ kind: 'openai', baseUrl, model, apiKey, cache, maxRetries: 2 });
      const r = await judge.judge(trajectory);
      onResult(r);
      const u = r.usage;
      setNote(
        r.flagged
          ? `${r.judge} failed: ${r.error}`
          : u
            ? `${r.judge}: ${u.cached ? 'from cache' : `${u.promptTokens} prompt + ${u.completionTokens} completion tokens${u.costUsd ? `, $${u.costUsd.toFixed(4)}` : ''}`}`
            : `${r.judge}: done`,
      );
    } catch (e) {
      setNote((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="compare-judge">
      <label>
        compare with{' '}
        <select value={kind} onChange={(e) => set({ kind: e.target.value as Kind })} aria-label="Judge to compare with">
          <option value="reference">the reference judge (rules, offline)</option>
          <option value="openai">an OpenAI-compatible endpoint</option>
        </select>
      </label>
      {kind === 'openai' && (
        <span className="endpoint">
          <input value={baseUrl} onChange={(e) => set({ baseUrl: e.target.value })} aria-label="Judge base URL" placeholder="https://…/v1" />
          <input value={model} onChange={(e) => set({ model: e.target.value })} aria-label="Judge model" placeholder="model" />
          <input type="password" value={apiKey} onChange={(e) => set({ apiKey: e.target.value })} aria-label="Judge API key" placeholder="API key (kept in memory only)" autoComplete="off" />
        </span>
      )}
      <button type="button" disabled={busy} onClick={() => void run()}>
        {busy ? 'Judging…' : 'Re-judge'}
      </button>
      {note && <span className="muted" data-testid="compare-note">{note}</span>}
    </div>
  );
}
