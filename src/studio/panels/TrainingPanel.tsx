// Training: run controls (wired to the trainer interface; disabled until it is connected), the
// stored runs with storage usage, and live charts of the shown run's metrics.
import './panels.css';
import { useCallback, useDeferredValue, useEffect, useMemo, useState } from 'react';
import { prepareChart, type ChartRow } from '../charts/series.ts';
import { LiveChart } from '../charts/LiveChart.tsx';
import { useMetrics } from '../stores/metrics-store.ts';
import { useRuns } from '../stores/runs-store.ts';
import { chartsFor } from '../training/chart-specs.ts';
import { formatDuration, progressOf } from '../training/progress.ts';
import { useTrainer } from '../trainer-link.ts';
import { useLiveRun } from '../trainer-client.ts';

const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

function Controls() {
  const connection = useTrainer((s) => s.connection);
  const [error, setError] = useState<string>();
  const connected = connection.status === 'connected';
  const state = connected ? connection.state : 'idle';
  const act = (fn: () => Promise<void>) => () => {
    fn().then(() => setError(undefined), (e: Error) => setError(e.message));
  };
  return (
    <div className="controls" aria-label="Run controls">
      <button type="button" disabled={!connected || state === 'running'} onClick={connected ? act(state === 'paused' ? connection.controls.resume : connection.controls.start) : undefined}>
        {state === 'paused' ? 'Resume' : 'Start'}
      </button>
      <button type="button" disabled={!connected || state !== 'running'} onClick={connected ? act(connection.controls.pause) : undefined}>Pause</button>
      <button type="button" disabled={!connected || (state !== 'running' && state !== 'paused')} onClick={connected ? act(connection.controls.stop) : undefined}>Stop</button>
      {connection.status === 'disconnected' && <p className="notice" role="status" data-testid="trainer-status">{connection.reason}</p>}
      {error && <p className="error-text" role="alert">{error}</p>}
      <LiveStatus />
    </div>
  );
}

/** The live run: its state, what the trainer is doing before the first step, and its failure. */
function LiveStatus() {
  const { runId, phase, error } = useLiveRun();
  const connection = useTrainer((s) => s.connection);
  if (!runId && !error) return null;
  const state = connection.status === 'connected' && connection.runId === runId ? connection.state : null;
  return (
    <div className="live-status" data-testid="live-status">
      {runId && <span className="muted">Run {runId}{state ? `: ${state}` : ''}{phase ? ` — ${phase}` : ''}</span>}
      {error && <p className="error-text" role="alert" data-testid="live-error">{error}</p>}
    </div>
  );
}

function RunList() {
  const { runs, usage, error, message, loaded, refresh, showRun, deleteRun, exportRun, importBundle, exportToFolder, importFolder } = useRuns();
  const canPickFolder = 'showDirectoryPicker' in window;
  const pickFolder = () => (window as unknown as { showDirectoryPicker(o: { mode: string }): Promise<FileSystemDirectoryHandle> }).showDirectoryPicker({ mode: 'readwrite' });
  const shown = useMetrics((s) => s.runId);
  const connection = useTrainer((s) => s.connection);
  const [confirming, setConfirming] = useState<string>();
  const [resumeError, setResumeError] = useState<string>();
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return (
    <section className="runs" aria-label="Stored runs">
      <h3>Stored runs</h3>
      {usage && (
        <p className="muted" data-testid="storage-usage">
          Storage: {mb(usage.usageBytes)} used of {mb(usage.quotaBytes)} available to this site.
        </p>
      )}
      {loaded && runs.length === 0 && <p className="muted">No runs stored in this browser yet.</p>}
      {runs.length > 0 && (
        <table className="run-table">
          <thead>
            <tr><th>run</th><th>status</th><th>steps</th><th>checkpoint</th><th /></tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} className={r.id === shown ? 'selected' : ''} data-run={r.id}>
                <td title={r.id}>{r.name}</td>
                <td>{r.status}</td>
                <td>{r.lastStep + 1}</td>
                <td>{r.lastCheckpointStep ?? '—'}</td>
                <td className="row-actions">
                  <button type="button" onClick={() => void showRun(r.id)}>Show</button>
                  {(r.status === 'interrupted' || r.status === 'paused') && r.lastCheckpointStep !== undefined && (
                    <button
                      type="button"
                      disabled={connection.status !== 'connected'}
                      title={connection.status === 'disconnected' ? connection.reason : `continue from the step-${r.lastCheckpointStep} checkpoint`}
                      onClick={() => connection.status === 'connected' && connection.controls.resumeRun(r.id).then(() => setResumeError(undefined), (e: Error) => setResumeError(e.message))}
                    >
                      Resume
                    </button>
                  )}
                  <button type="button" onClick={() => void exportRun(r.id)} title="one .tarlrun.jsonl file">Export</button>
                  {canPickFolder && (
                    <button type="button" title="run.json, JSON lines and the PEFT adapter files into a folder" onClick={() => void pickFolder().then((dir) => exportToFolder(r.id, dir), () => undefined /* picker cancelled */)}>
                      Export to folder
                    </button>
                  )}
                  {confirming === r.id ? (
                    <button type="button" className="danger" onClick={() => { setConfirming(undefined); void deleteRun(r.id); }}>Really delete</button>
                  ) : (
                    <button type="button" onClick={() => setConfirming(r.id)}>Delete</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <label className="file-pick">
        Import a run bundle (.tarlrun.jsonl):{' '}
        <input type="file" accept=".jsonl,.tarlrun.jsonl" data-testid="import-run" onChange={(e) => { const f = e.target.files?.[0]; if (f) void importBundle(f); e.target.value = ''; }} />
      </label>{' '}
      <label className="file-pick">
        or an exported run folder:{' '}
        <input
          type="file"
          data-testid="import-run-folder"
          ref={(el) => el?.setAttribute('webkitdirectory', '')}
          onChange={(e) => { const fs = e.target.files; if (fs?.length) void importFolder(fs); e.target.value = ''; }}
        />
      </label>
      {message && <p className="muted" role="status">{message}</p>}
      {resumeError && <p className="error-text" role="alert">{resumeError}</p>}
      {error && <p className="error-text" role="alert">{error}</p>}
    </section>
  );
}

/** Points per chart: enough for a smooth curve, few enough that eight charts redraw quickly. */
const MAX_POINTS = 300;

function Charts() {
  // Deferred: a new step or a smoothing change re-renders the charts at background priority, in
  // time slices, so the slider and the rest of the page stay responsive.
  const rows = useDeferredValue(useMetrics((s) => s.rows));
  const smoothing = useDeferredValue(useMetrics((s) => s.smoothing));
  const allRows = useCallback(() => useMetrics.getState().rows, []);
  return <ChartGrid rows={rows} smoothing={smoothing} allRows={allRows} />;
}

/** The charts of these rows: optional ones once they have values, the speech ones only for runs with speech. */
export function ChartGrid({ rows, smoothing, allRows }: { rows: readonly ChartRow[]; smoothing: number; allRows(): readonly ChartRow[] }) {
  const charts = useMemo(
    () =>
      chartsFor(rows).map((c) => ({ c, prepared: prepareChart(rows, c.series.map((x) => x.key), smoothing, MAX_POINTS) })).filter(
        (x) => !x.c.optional || x.prepared.steps > 0,
      ),
    [rows, smoothing],
  );
  return (
    <div className="chart-grid">
      {charts.map(({ c, prepared }) => (
        <LiveChart key={c.id} id={c.id} title={c.title} series={c.series} yRange={c.yRange} prepared={prepared} smoothed={smoothing > 0} allRows={allRows} />
      ))}
    </div>
  );
}

export function TrainingPanel() {
  const rows = useMetrics((s) => s.rows);
  const runId = useMetrics((s) => s.runId);
  const smoothing = useMetrics((s) => s.smoothing);
  const setSmoothing = useMetrics((s) => s.setSmoothing);
  const totalSteps = useMetrics((s) => s.totalSteps);
  const progress = useMemo(() => progressOf(rows, totalSteps), [rows, totalSteps]);
  return (
    <div className="training">
      <h2>Training</h2>
      <Controls />
      <RunList />
      <section aria-label="Metrics">
        <div className="chart-toolbar">
          <h3>{runId ? `Metrics of ${runId}` : 'Metrics'}</h3>
          {rows.length > 0 && (
            <span className="muted" data-testid="step-progress">
              {progress.total ? (
                <>
                  <progress max={progress.total} value={progress.done} /> step {progress.done} / {progress.total}
                  {progress.etaMs !== null && progress.done < progress.total && ` · ETA ${formatDuration(progress.etaMs)}`}
                </>
              ) : (
                `step ${rows[rows.length - 1].step}`
              )}{' '}
              · {rows.length} steps recorded
            </span>
          )}
          <label>
            smoothing <input type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} aria-label="Chart smoothing" />
            <span className="num">{smoothing.toFixed(2)}</span>
          </label>
        </div>
        {rows.length === 0 ? (
          <p className="muted">No metrics to show: start a run (once the trainer is connected), or show or import a stored run.</p>
        ) : (
          <Charts />
        )}
      </section>
    </div>
  );
}
