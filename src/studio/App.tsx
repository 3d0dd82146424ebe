import { lazy, Suspense, useEffect } from 'react';
import { useStudio, type PanelId } from './store.ts';
import { probeGpu } from './probe-gpu.ts';
import { bindTrainerToSetup } from './trainer-client.ts';
import { AdapterPanel } from './panels/AdapterPanel.tsx';
import { SetupPanel } from './panels/SetupPanel.tsx';
import type { ReactElement } from 'react';

// The other panels (recharts, the inspector, the tuner) are separate chunks, so the first view
// loads fast; they are fetched and evaluated while the page is idle after start, not when a run
// begins (evaluating a chunk is one long main-thread task).
const loaders = {
  training: () => import('./panels/TrainingPanel.tsx').then((m) => ({ default: m.TrainingPanel })),
  rollouts: () => import('./panels/RolloutsPanel.tsx').then((m) => ({ default: m.RolloutsPanel })),
  tuner: () => import('./panels/TunerPanel.tsx').then((m) => ({ default: m.TunerPanel })),
};
const TrainingPanel = lazy(loaders.training);
const RolloutsPanel = lazy(loaders.rollouts);
const TunerPanel = lazy(loaders.tuner);

function preloadPanels(): void {
  const idle = (f: () => void) => (typeof requestIdleCallback === 'function' ? requestIdleCallback(f, { timeout: 3000 }) : setTimeout(f, 500));
  // one chunk per idle period, then the charts' code is warmed up off screen (LiveChart.tsx)
  const queue: (() => Promise<unknown>)[] = [...Object.values(loaders), () => import('./charts/LiveChart.tsx').then((m) => m.warmUpCharts(idle))];
  const next = () => {
    const load = queue.shift();
    if (load) void load().then(() => idle(next), () => undefined);
  };
  idle(next);
}

const PANELS: { id: PanelId; label: string; render: () => ReactElement }[] = [
  {
    id: 'setup',
    label: 'Setup',
    render: () => <SetupPanel />,
  },
  {
    id: 'training',
    label: 'Training',
    render: () => <TrainingPanel />,
  },
  {
    id: 'rollouts',
    label: 'Rollouts',
    render: () => <RolloutsPanel />,
  },
  {
    id: 'tuner',
    label: 'Reward tuner',
    render: () => <TunerPanel />,
  },
];

export function App() {
  const panel = useStudio((s) => s.panel);
  const setPanel = useStudio((s) => s.setPanel);
  useEffect(() => {
    void probeGpu();
    preloadPanels();
  }, []);
  useEffect(() => bindTrainerToSetup(), []);
  const active = PANELS.find((p) => p.id === panel)!;
  return (
    <div className="app">
      <header className="topbar">
        <h1>TARL Studio</h1>
        <span className="tagline">turn-level adjudicated RL for tool-use agents, on your GPU</span>
      </header>
      <nav className="nav" aria-label="Studio sections">
        {PANELS.map((p) => (
          <button key={p.id} className={p.id === panel ? 'active' : ''} aria-current={p.id === panel ? 'page' : undefined} onClick={() => setPanel(p.id)}>
            {p.label}
          </button>
        ))}
      </nav>
      <main className="content">
        <AdapterPanel />
        <section className="panel" data-panel={active.id}>
          <Suspense fallback={<p className="muted">loading…</p>}>{active.render()}</Suspense>
        </section>
      </main>
    </div>
  );
}
