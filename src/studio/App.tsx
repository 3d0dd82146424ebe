import { useEffect } from 'react';
import { useStudio, type PanelId } from './store.ts';
import { probeGpu } from './probe-gpu.ts';
import { bindTrainerToSetup } from './trainer-client.ts';
import { AdapterPanel } from './panels/AdapterPanel.tsx';
import { RolloutsPanel } from './panels/RolloutsPanel.tsx';
import { SetupPanel } from './panels/SetupPanel.tsx';
import { TrainingPanel } from './panels/TrainingPanel.tsx';
import { TunerPanel } from './panels/TunerPanel.tsx';
import type { ReactElement } from 'react';

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
          {active.render()}
        </section>
      </main>
    </div>
  );
}
