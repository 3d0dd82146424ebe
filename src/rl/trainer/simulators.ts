// The user simulator and the turn judge a training run asks for (config.episode.user / .judge),
// built the same way by `tarl train`/`ablate`/`eval` in Node and by the studio's trainer worker:
// scripted/reference need nothing; "openai" needs an OpenAI-compatible endpoint; "local" runs the
// policy's BASE model (its own backend, no adapters: the frozen reference, never the policy being
// trained) with the same prompts, one request at a time. The local model is built once and shared
// by the user and the judge.
import { createJudge } from '../../judge/factory.ts';
import type { TurnJudge } from '../../judge/types.ts';
import type { InferenceBackend } from '../../model/backend.ts';
import type { ModelTokenizer } from '../../model/tokenizer.ts';
import { OpenAIChatClient, type OpenAIChatOptions } from '../../rollout/chat-client.ts';
import { LocalChatCompleter } from '../../rollout/local-chat.ts';
import type { EpisodeTask } from '../../rollout/trajectory.ts';
import type { UserSimulator } from '../../rollout/types.ts';
import { LlmUser } from '../../rollout/users/llm.ts';
import { ScriptedUser } from '../../rollout/users/scripted.ts';
import type { TrainConfig } from '../config.ts';

export interface LocalModel {
  backend: InferenceBackend;
  tokenizer: ModelTokenizer;
  /** Shown in judge verdicts and trajectories. */
  name: string;
}

export interface SimulatorSources {
  /** Endpoints for "openai" (the CLI: --judge-* / --user-* flags; the studio: the Setup panel). */
  judgeEndpoint?: () => OpenAIChatOptions;
  userEndpoint?: () => OpenAIChatOptions;
  /** The base model for "local"; called at most once. */
  localModel?: () => Promise<LocalModel>;
  /** Longest customer message from an LLM user, in tokens (default 256: customers write short turns). */
  userMaxTokens?: number;
  /** Where the flags/fields for a missing endpoint are named in errors. */
  hint?: { judge: string; user: string };
}

export interface Simulators {
  makeUser: (task: EpisodeTask, seed: number) => UserSimulator;
  judge: TurnJudge;
  /** Frees the local model's backend, when one was built. */
  dispose(): void;
}

export async function buildSimulators(episode: TrainConfig['episode'], s: SimulatorSources): Promise<Simulators> {
  let local: Promise<LocalModel> | undefined;
  const localModel = () => {
    if (!s.localModel) throw new Error('the "local" user/judge needs the base model, and none was given');
    return (local ??= s.localModel());
  };
  const endpoint = (what: 'judge' | 'user') => {
    const get = what === 'judge' ? s.judgeEndpoint : s.userEndpoint;
    if (!get) throw new Error(`episode.${what} "openai" needs an endpoint: ${s.hint?.[what] ?? `give the ${what}'s base URL and model`}`);
    return get();
  };

  let makeUser: Simulators['makeUser'];
  if (episode.user === 'scripted') makeUser = () => new ScriptedUser();
  else if (episode.user === 'openai') {
    const client = new OpenAIChatClient(endpoint('user'));
    makeUser = () => new LlmUser({ completer: client, maxTokens: s.userMaxTokens ?? 256 });
  } else {
    const m = await localModel();
    const completer = new LocalChatCompleter(m.backend, m.tokenizer, m.name);
    makeUser = () => new LlmUser({ completer, temperature: 0, maxTokens: s.userMaxTokens ?? 256 });
  }

  let judge: TurnJudge;
  if (episode.judge === 'reference') judge = createJudge({ kind: 'reference' });
  else if (episode.judge === 'openai') judge = createJudge({ kind: 'openai', ...endpoint('judge') });
  else {
    const m = await localModel();
    judge = createJudge({ kind: 'local', backend: m.backend, tokenizer: m.tokenizer, model: m.name });
  }

  return {
    makeUser,
    judge,
    dispose: () => void local?.then((m) => m.backend.dispose(), () => undefined),
  };
}
