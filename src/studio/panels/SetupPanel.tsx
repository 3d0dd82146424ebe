// Setup: the policy model (built-in default, Hugging Face, local folder, or the tiny random test
// model), task and device, the training config (validated by the config schema, one message per
// problem), presets, the judge and user-simulator backends, and a Start button.
import './panels.css';
import { useEffect, useState, type DragEvent } from 'react';
import { LORA_TARGETS } from '../../train/lora.ts';
import { useStudio } from '../store.ts';
import { formatField, getConfigPath, huggingFaceUrl, parseField, policyLabel, PRESETS, setConfigPath, setupProblems, speechFieldProblems, withTinyDefaults, type SetupPreset } from '../setup/setup-config.ts';
import { useSetup } from '../stores/setup-store.ts';
import { useLiveRun } from '../trainer-client.ts';
import { useTrainer } from '../trainer-link.ts';
import { filesFromDrop } from '../setup/drop-folder.ts';

/** One config key as a text field; the validator (not the field) judges what was typed. */
function Field({ path, label, list }: { path: string; label: string; list?: boolean }) {
  const config = useSetup((s) => s.config);
  const setConfig = useSetup((s) => s.setConfig);
  const value = getConfigPath(config, path);
  const shown = list && Array.isArray(value) ? value.join(',') : formatField(value);
  const [text, setText] = useState(shown);
  useEffect(() => setText(shown), [shown]);
  return (
    <label className="setup-field">
      <span>{label}</span>
      <input
        value={text}
        aria-label={label}
        data-path={path}
        onChange={(e) => {
          setText(e.target.value);
          const v = list ? e.target.value.split(',').map((x) => x.trim()).filter(Boolean) : parseField(e.target.value);
          setConfig(setConfigPath(useSetup.getState().config, path, v));
        }}
      />
    </label>
  );
}

function Choice({ path, label, options }: { path: string; label: string; options: readonly (readonly [string, string])[] }) {
  const config = useSetup((s) => s.config);
  const setConfig = useSetup((s) => s.setConfig);
  return (
    <label className="setup-field">
      <span>{label}</span>
      <select value={String(getConfigPath(config, path))} aria-label={label} onChange={(e) => setConfig(setConfigPath(config, path, e.target.value))}>
        {options.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
      </select>
    </label>
  );
}

/** What a speech episode is, in one line (shown above the speech fields). */
export const SPEECH_HINT = 'Speech episodes hear every customer turn as audio instead of reading it: TTS (espeak-ng, seeded voice) → listener → projector → the policy.';

/** The speech-episode settings, with the validation messages that concern them (from setupProblems). */
export function SpeechSettings({ problems }: { problems: readonly string[] }) {
  return (
    <section className="setup-section" aria-label="Speech episodes">
      <h3>Speech episodes</h3>
      <p className="muted" data-testid="speech-hint">{SPEECH_HINT}</p>
      <div className="setup-row">
        <Field path="speechShare" label="speech share (number or schedule JSON)" />
        <Choice path="speech.preset" label="speech channel" options={[['clean', 'clean'], ['telephone', 'telephone (300–3400 Hz, noise at 15 dB SNR)']]} />
        <Field path="speech.projectorLrMultiplier" label="projector lr × (times the learning rate)" />
      </div>
      {problems.length > 0 && (
        <ul className="problems field-problems" data-testid="speech-problems">
          {problems.map((p) => <li key={p}>{p}</li>)}
        </ul>
      )}
    </section>
  );
}

function PolicyPicker() {
  const { policy, builtin, setPolicy, detectBuiltin, folderFiles, patch, setConfig } = useSetup();
  const [hf, setHf] = useState(policy?.kind === 'hf' ? policy.id : '');
  const [hfError, setHfError] = useState<string>();
  const [dropError, setDropError] = useState<string>();
  useEffect(() => {
    void detectBuiltin();
  }, [detectBuiltin]);
  const useFolder = (files: File[], name: string) => {
    if (!files.some((f) => f.name === 'config.json')) {
      setDropError(`"${name}" has no config.json: choose a Hugging Face model folder (config.json, *.safetensors, tokenizer.json).`);
      return;
    }
    setDropError(undefined);
    setPolicy({ kind: 'folder', name }, files);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    filesFromDrop(e.dataTransfer).then(({ files, name }) => useFolder(files, name), (err: Error) => setDropError(err.message));
  };
  return (
    <section className="setup-section" aria-label="Policy model">
      <h3>Policy model</h3>
      <p data-testid="policy-choice">{policy ? <>Chosen: <strong>{policyLabel(policy)}</strong>{policy.kind === 'folder' && !folderFiles && <span className="error-text"> — choose the folder again (files are not kept across reloads)</span>}</> : <span className="muted">No policy chosen yet.</span>}</p>
      <div className="policy-grid">
        <div className="policy-option">
          <h4>Built-in default</h4>
          {builtin.status === 'checking' && <p className="muted">Looking for a built-in model…</p>}
          {builtin.status === 'none' && <p className="muted" data-testid="builtin-status">{builtin.reason}</p>}
          {builtin.status === 'found' && builtin.models.map((m) => (
            <button type="button" key={m.url} data-testid="builtin-model" onClick={() => setPolicy({ kind: 'builtin', name: m.name, url: m.url })} title={m.description}>Use {m.name}</button>
          ))}
          {builtin.status === 'found' && builtin.models.length === 1 && builtin.models[0]!.description && <p className="muted">{builtin.models[0]!.description}</p>}
        </div>
        <div className="policy-option">
          <h4>Hugging Face model</h4>
          <input value={hf} onChange={(e) => setHf(e.target.value)} placeholder="Qwen/Qwen2.5-0.5B-Instruct or https://…/" aria-label="Hugging Face model id or URL" />
          <button
            type="button"
            onClick={() => {
              try {
                huggingFaceUrl(hf);
                setHfError(undefined);
                setPolicy({ kind: 'hf', id: hf.trim() });
              } catch (err) {
                setHfError((err as Error).message);
              }
            }}
          >
            Use
          </button>
          <p className="muted">Downloaded by the trainer when a run starts (progress shown there), then kept in the browser cache.</p>
          {hfError && <p className="error-text" role="alert">{hfError}</p>}
        </div>
        <div className="policy-option drop-zone" onDragOver={(e) => e.preventDefault()} onDrop={onDrop} data-testid="folder-drop">
          <h4>Local model folder</h4>
          <p className="muted">Drop a folder here, or pick one:</p>
          <input
            type="file"
            aria-label="Model folder"
            ref={(el) => el?.setAttribute('webkitdirectory', '')}
            onChange={(e) => {
              const files = [...(e.target.files ?? [])];
              if (files.length) useFolder(files, (files[0] as File & { webkitRelativePath: string }).webkitRelativePath.split('/')[0] || 'local folder');
            }}
          />
          {dropError && <p className="error-text" role="alert">{dropError}</p>}
        </div>
        <div className="policy-option">
          <h4>Test model</h4>
          <button
            type="button"
            onClick={() => {
              setPolicy({ kind: 'tiny', seed: 3 });
              patch({ task: 'toy' });
              setConfig(withTinyDefaults(useSetup.getState().config));
            }}
          >
            Use the tiny random model (for trying the pipeline)
          </button>
          <p className="muted">Random weights, built in the browser: a test model that will not learn anything useful. It has no tokenizer, so it runs the toy tool-call task; choosing it also sets short-run settings.</p>
        </div>
      </div>
    </section>
  );
}

function Backends() {
  const { config, judgeEndpoint, userEndpoint, setEndpoint, keys, setKey, rememberKeys, setRememberKeys } = useSetup();
  const endpointFields = (which: 'judgeEndpoint' | 'userEndpoint', keyName: 'judge' | 'user', e: typeof judgeEndpoint, title: string) => (
    <fieldset className="endpoint">
      <legend>{title} (OpenAI-compatible)</legend>
      <label className="setup-field"><span>base URL</span><input value={e.baseUrl} onChange={(x) => setEndpoint(which, { ...e, baseUrl: x.target.value })} placeholder="https://api.openai.com/v1" aria-label={`${title} base URL`} /></label>
      <label className="setup-field"><span>model</span><input value={e.model} onChange={(x) => setEndpoint(which, { ...e, model: x.target.value })} aria-label={`${title} model`} /></label>
      <label className="setup-field"><span>API key</span><input type="password" autoComplete="off" value={keys[keyName]} onChange={(x) => setKey(keyName, x.target.value)} aria-label={`${title} API key`} /></label>
    </fieldset>
  );
  const judge = config.episode.judge;
  const user = config.episode.user;
  return (
    <section className="setup-section" aria-label="Judge and user simulator">
      <h3>Judge and user simulator</h3>
      <div className="setup-row">
        <Choice path="episode.judge" label="turn judge" options={[['reference', 'reference (ground-truth actions)'], ['openai', 'LLM judge (OpenAI-compatible API)'], ['local', 'LLM judge: the base model, here on the GPU']]} />
        <Choice path="episode.user" label="user simulator" options={[['scripted', 'scripted (from the task)'], ['openai', 'LLM user (OpenAI-compatible API)'], ['local', 'LLM user: the base model, here on the GPU']]} />
      </div>
      {(judge === 'local' || user === 'local') && (
        <p className="muted">"Local" runs the policy's base model (adapters off, a second copy on the device) with the same prompts the API judge and user get; a small policy makes a weak judge or user.</p>
      )}
      {judge === 'openai' && endpointFields('judgeEndpoint', 'judge', judgeEndpoint, 'Judge endpoint')}
      {user === 'openai' && endpointFields('userEndpoint', 'user', userEndpoint, 'User endpoint')}
      {(judge === 'openai' || user === 'openai') && (
        <label className="setup-field">
          <input type="checkbox" checked={rememberKeys} onChange={(e) => setRememberKeys(e.target.checked)} /> remember the API keys in this tab (sessionStorage). Otherwise they are kept in memory only; keys are never stored with runs or exported.
        </label>
      )}
    </section>
  );
}

export function SetupPanel() {
  const s = useSetup();
  const connection = useTrainer((x) => x.connection);
  const phase = useLiveRun((x) => x.phase);
  const setPanel = useStudio((x) => x.setPanel);
  const [startError, setStartError] = useState<string>();
  const problems = setupProblems(s, Boolean(s.folderFiles));
  const busy = connection.status === 'connected' && (connection.state === 'running' || connection.state === 'paused');
  const preset = (Object.keys(PRESETS) as SetupPreset[]).find((n) => Object.entries(PRESETS[n]).every(([k, v]) => (s.config.reward as Record<string, unknown>)[k] === v));
  return (
    <div className="setup">
      <h2>Setup</h2>
      <PolicyPicker />
      <section className="setup-section" aria-label="Task and device">
        <h3>Task and device</h3>
        <div className="setup-row">
          <label className="setup-field">
            <span>task</span>
            <select value={s.task} onChange={(e) => s.patch({ task: e.target.value as 'retail' | 'toy' })} aria-label="Task">
              <option value="retail">τ-bench retail (+ math problems)</option>
              <option value="toy">toy tool call (pipeline test)</option>
            </select>
          </label>
          <label className="setup-field">
            <span>runs on</span>
            <select value={s.device} onChange={(e) => s.patch({ device: e.target.value as 'webgpu' | 'cpu' })} aria-label="Device">
              <option value="webgpu">WebGPU (rollouts and LoRA training in WGSL)</option>
              <option value="cpu">CPU (float64; slow, for checking)</option>
            </select>
          </label>
          <Field path="data.split" label="training split" />
          <Field path="eval.split" label="eval split" />
          <Field path="math.ratio" label="math ratio (number or schedule JSON)" />
          <Field path="episode.maxTurns" label="max turns" />
        </div>
      </section>
      <SpeechSettings problems={speechFieldProblems(problems)} />
      <section className="setup-section" aria-label="Reward">
        <h3>Reward</h3>
        <div className="presets" role="group" aria-label="Setup presets">
          {(Object.keys(PRESETS) as SetupPreset[]).map((n) => (
            <button type="button" key={n} aria-pressed={preset === n} onClick={() => {
              let c = s.config;
              for (const [k, v] of Object.entries(PRESETS[n])) c = setConfigPath(c, `reward.${k}`, v);
              s.setConfig(c);
            }}>{n}</button>
          ))}
        </div>
        <div className="setup-row">
          <Choice path="reward.mode" label="reward mode" options={[['trajectory', 'trajectory-level (TARL)'], ['terminal', 'terminal only'], ['turn', 'per-turn returns']]} />
          <Field path="reward.terminal" label="terminal ×" />
          <Field path="reward.deviation" label="deviation ×" />
          <Field path="reward.turnWeight" label="other turns (inverse-T or a number)" />
          <Field path="reward.gamma" label="γ (per-turn)" />
        </div>
      </section>
      <section className="setup-section" aria-label="Algorithm">
        <h3>Algorithm and hyper-parameters</h3>
        <div className="setup-row">
          <Choice path="algorithm" label="algorithm" options={[['grpo', 'GRPO'], ['drgrpo', 'Dr.GRPO'], ['rloo', 'RLOO'], ['ppo', 'PPO (value head + GAE)']]} />
          <Field path="steps" label="steps" />
          <Field path="tasksPerStep" label="tasks per step" />
          <Field path="groupSize" label="group size G" />
          <Field path="lr" label="learning rate" />
          <Field path="lrSchedule" label="lr schedule (number or JSON)" />
          <Field path="kl.coef" label="KL β" />
          <Field path="clip.low" label="clip ε low" />
          <Field path="clip.high" label="clip ε high" />
          <Field path="entropyCoef" label="entropy bonus" />
          <Field path="sampling.temperature" label="temperature (number or schedule JSON)" />
          <Field path="sampling.maxNewTokens" label="max new tokens" />
          <Field path="eval.every" label="evaluate every (steps, 0 = never)" />
          <Field path="checkpoint.every" label="checkpoint every (steps)" />
          <Field path="seed" label="seed" />
        </div>
        {s.config.algorithm === 'ppo' && (
          <>
            <h4>PPO</h4>
            <div className="setup-row">
              <Choice path="ppo.level" label="GAE level" options={[['token', 'token'], ['turn', 'turn']]} />
              <Field path="ppo.gamma" label="GAE γ" />
              <Field path="ppo.lambda" label="GAE λ" />
              <Field path="ppo.valueCoef" label="value loss coef" />
              <Field path="ppo.valueClip" label="value clip (number or null)" />
              <Field path="innerSteps" label="epochs per step" />
            </div>
          </>
        )}
        <h4>LoRA</h4>
        <div className="setup-row">
          <Field path="lora.r" label="rank r" />
          <Field path="lora.alpha" label="alpha" />
          <Field path="lora.targets" label={`targets (${LORA_TARGETS.join(', ')})`} list />
        </div>
      </section>
      <Backends />
      <section className="setup-section" aria-label="Validation">
        {problems.length ? (
          <ul className="problems" role="alert" data-testid="setup-problems">
            {problems.map((p) => <li key={p}>{p}</li>)}
          </ul>
        ) : (
          <p className="ok-text" data-testid="setup-ready">Ready to train.</p>
        )}
        <button
          type="button"
          disabled={problems.length > 0 || busy || connection.status !== 'connected'}
          onClick={() => {
            if (connection.status !== 'connected') return;
            setPanel('training');
            connection.controls.start().then(() => setStartError(undefined), (e: Error) => useLiveRun.getState().set({ error: e.message }));
          }}
        >
          Start training
        </button>
        {busy && <span className="muted"> A run is in progress (see Training).</span>}
        {phase && <span className="muted"> {phase}</span>}
        {startError && <p className="error-text" role="alert">{startError}</p>}
      </section>
    </div>
  );
}
