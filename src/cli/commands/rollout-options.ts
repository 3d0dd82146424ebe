// Options shared by `tarl episode`, `tarl judge`, `tarl train` and `tarl ablate`: OpenAI-compatible endpoints for the judge and
// the user simulator. API keys are read from environment variables (never from flags, which show up
// in process lists and shell history) and never printed.
import { Option, type Command } from 'commander';
import type { OpenAIChatOptions } from '../../rollout/chat-client.ts';

export interface EndpointFlags {
  [k: string]: unknown;
}

function flag(o: EndpointFlags, prefix: string, name: string): string | undefined {
  const key = prefix + name[0].toUpperCase() + name.slice(1);
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

/** Adds --<role>-base-url, --<role>-model, --<role>-api-key-env, --<role>-timeout-ms, ... */
export function addEndpointOptions(cmd: Command, role: 'judge' | 'user'): Command {
  return cmd
    .addOption(new Option(`--${role}-base-url <url>`, `${role}: OpenAI-compatible base URL, e.g. https://api.openai.com/v1`))
    .addOption(new Option(`--${role}-model <name>`, `${role}: model name at the endpoint`))
    .addOption(new Option(`--${role}-api-key-env <VAR>`, `${role}: environment variable holding the API key`).default('OPENAI_API_KEY'))
    .addOption(new Option(`--${role}-timeout-ms <ms>`, `${role}: request timeout`).default('60000'))
    .addOption(new Option(`--${role}-retries <n>`, `${role}: retries on 429/5xx/timeouts`).default('4'))
    .addOption(new Option(`--${role}-concurrency <n>`, `${role}: requests in flight at most`).default('4'))
    .addOption(new Option(`--${role}-price-in <usd>`, `${role}: US dollars per million prompt tokens (cost accounting)`))
    .addOption(new Option(`--${role}-price-out <usd>`, `${role}: US dollars per million completion tokens`));
}

function num(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${what}: "${v}" is not a non-negative number`);
  return n;
}

export function endpointFrom(o: EndpointFlags, role: 'judge' | 'user'): OpenAIChatOptions {
  const baseUrl = flag(o, role, 'baseUrl');
  const model = flag(o, role, 'model');
  if (!baseUrl || !model) throw new Error(`--${role} openai needs --${role}-base-url and --${role}-model`);
  const keyVar = flag(o, role, 'apiKeyEnv') ?? 'OPENAI_API_KEY';
  const priceIn = num(flag(o, role, 'priceIn'), `--${role}-price-in`);
  const priceOut = num(flag(o, role, 'priceOut'), `--${role}-price-out`);
  return {
    baseUrl,
    model,
    apiKey: process.env[keyVar],
    timeoutMs: num(flag(o, role, 'timeoutMs'), `--${role}-timeout-ms`),
    maxRetries: num(flag(o, role, 'retries'), `--${role}-retries`),
    concurrency: num(flag(o, role, 'concurrency'), `--${role}-concurrency`),
    ...(priceIn !== undefined || priceOut !== undefined ? { pricing: { inputPerMTok: priceIn ?? 0, outputPerMTok: priceOut ?? 0 } } : {}),
  };
}
