// Where the inspector's (and tuner's) trajectories come from: a JSON-lines file, or a stored run.
import { useEffect, useState } from 'react';
import { useRollouts } from '../stores/rollouts-store.ts';
import { runStore, useRuns } from '../stores/runs-store.ts';

export function TrajectorySource() {
  const loadText = useRollouts((s) => s.loadText);
  const loadStored = useRollouts((s) => s.loadStored);
  const runs = useRuns((s) => s.runs);
  const [runId, setRunId] = useState('');
  const [steps, setSteps] = useState<number[]>([]);
  const [step, setStep] = useState('');
  useEffect(() => {
    setSteps([]);
    setStep('');
    if (!runId) return;
    let live = true;
    void runStore()
      .then((s) => s.trajectorySteps(runId))
      .then((st) => live && setSteps(st));
    return () => {
      live = false;
    };
  }, [runId]);
  return (
    <div className="source">
      <label className="file-pick">
        Trajectories file (.jsonl):{' '}
        <input
          type="file"
          accept=".jsonl,.json,.ndjson"
          data-testid="trajectory-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void f.text().then((t) => loadText(t, f.name));
            e.target.value = '';
          }}
        />
      </label>
      {runs.length > 0 && (
        <span className="stored-pick">
          or a stored run{' '}
          <select value={runId} onChange={(e) => setRunId(e.target.value)} aria-label="Stored run">
            <option value="">choose…</option>
            {runs.map((r) => <option key={r.id} value={r.id}>{r.name} ({r.id})</option>)}
          </select>
          {runId && (
            <>
              {' '}
              <select value={step} onChange={(e) => setStep(e.target.value)} aria-label="Step">
                <option value="">all steps</option>
                {steps.map((s) => <option key={s} value={s}>step {s}</option>)}
              </select>{' '}
              <button type="button" onClick={() => void loadStored(runId, step === '' ? undefined : Number(step))}>Load</button>
            </>
          )}
        </span>
      )}
    </div>
  );
}
