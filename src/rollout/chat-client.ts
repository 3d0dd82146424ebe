// A small client for any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama,
// llama.cpp server, `tarl serve`), used by the LLM user simulator and the LLM judge. Retries with
// exponential backoff (honouring Retry-After) on 429, 5xx, timeouts and network errors; limits
// concurrent requests; counts tokens and cost. The API key lives only in a private field: it is
// never serialised, logged or put in an error message.

export interface ChatMessageIn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  messages: ChatMessageIn[];
  temperature?: number;
  maxTokens?: number;
  /** Ask for a JSON object reply (`response_format: {type: 'json_object'}`). */
  json?: boolean;
  seed?: number;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatCompletion {
  content: string;
  usage: ChatUsage;
  /** HTTP attempts made (1 = no retry). */
  attempts: number;
}

/** Anything that completes a chat: an HTTP endpoint or the local model. */
export interface ChatCompleter {
  readonly name: string;
  readonly model: string;
  complete(req: ChatRequest): Promise<ChatCompletion>;
  /** US dollars for a usage (absent: free, e.g. the local model). */
  cost?(u: ChatUsage): number;
}

export interface Pricing {
  /** US dollars per million prompt tokens. */
  inputPerMTok: number;
  /** US dollars per million completion tokens. */
  outputPerMTok: number;
}

export interface OpenAIChatOptions {
  /** e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1 (".../chat/completions" is appended). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
  /** Retries after the first attempt. */
  maxRetries?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  concurrency?: number;
  pricing?: Pricing;
  /** Extra body fields (e.g. {top_p: 1}). */
  extraBody?: Record<string, unknown>;
}

export class ChatError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ChatStats {
  requests: number;
  retries: number;
  failures: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A counting semaphore: at most `n` holders at once, FIFO. */
export class Semaphore {
  private waiting: (() => void)[] = [];
  private active = 0;
  constructor(private readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`concurrency must be a positive integer (got ${n})`);
  }
  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await f();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export class OpenAIChatClient implements ChatCompleter {
  readonly name = 'openai';
  readonly model: string;
  readonly stats: ChatStats = { requests: 0, retries: 0, failures: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
  readonly #apiKey: string | undefined;
  private readonly url: string;
  private readonly o: Required<Omit<OpenAIChatOptions, 'apiKey' | 'pricing' | 'extraBody'>> & Pick<OpenAIChatOptions, 'pricing' | 'extraBody'>;
  private readonly gate: Semaphore;

  constructor(opts: OpenAIChatOptions) {
    if (!/^https?:\/\//.test(opts.baseUrl)) throw new Error(`chat endpoint: base URL must start with http:// or https:// (got "${opts.baseUrl}")`);
    if (!opts.model) throw new Error('chat endpoint: a model name is required');
    this.model = opts.model;
    this.#apiKey = opts.apiKey || undefined;
    this.url = `${opts.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    // Options given as `undefined` keep their defaults (a spread would overwrite them with undefined:
    // setTimeout(undefined) aborts every request at once).
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as OpenAIChatOptions;
    this.o = { timeoutMs: 60_000, maxRetries: 4, backoffMs: 500, maxBackoffMs: 8_000, concurrency: 4, ...given, model: opts.model, baseUrl: opts.baseUrl };
    this.gate = new Semaphore(this.o.concurrency);
  }

  /** What may be shown or stored about this client: never the key. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, url: this.url, model: this.model, hasApiKey: !!this.#apiKey };
  }

  /** Cost of a usage under the configured pricing (0 without pricing). */
  cost(u: ChatUsage): number {
    const p = this.o.pricing;
    return p ? (u.promptTokens * p.inputPerMTok + u.completionTokens * p.outputPerMTok) / 1e6 : 0;
  }

  complete(req: ChatRequest): Promise<ChatCompletion> {
    return this.gate.run(() => this.withRetries(req));
  }

  private async withRetries(req: ChatRequest): Promise<ChatCompletion> {
    let last: ChatError | undefined;
    for (let attempt = 0; attempt <= this.o.maxRetries; attempt++) {
      if (attempt > 0) this.stats.retries++;
      this.stats.requests++;
      try {
        const r = await this.once(req);
        this.stats.promptTokens += r.usage.promptTokens;
        this.stats.completionTokens += r.usage.completionTokens;
        this.stats.costUsd += this.cost(r.usage);
        return { ...r, attempts: attempt + 1 };
      } catch (e) {
        last = e instanceof ChatError ? e : new ChatError(String((e as Error)?.message ?? e), true);
        if (!last.retryable || attempt === this.o.maxRetries) break;
        const retryAfter = (e as { retryAfterMs?: number }).retryAfterMs;
        const backoff = Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** attempt);
        await sleep(retryAfter !== undefined ? Math.min(retryAfter, this.o.maxBackoffMs) : backoff);
      }
    }
    this.stats.failures++;
    throw last ?? new ChatError('chat request failed', false);
  }

  /** Servers sometimes echo request headers in errors: never let the key through. */
  private redact(s: string): string {
    return this.#apiKey ? s.split(this.#apiKey).join('***') : s;
  }

  private async once(req: ChatRequest): Promise<Omit<ChatCompletion, 'attempts'>> {
    const body: Record<string, unknown> = { model: this.model, messages: req.messages, ...this.o.extraBody };
    if (req.temperature !== undefined) body.temperature = req.temperature;
    if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
    if (req.seed !== undefined) body.seed = req.seed;
    if (req.json) body.response_format = { type: 'json_object' };
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), this.o.timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.url, { method: 'POST', headers, body: JSON.stringify(body), signal: ctrl.signal });
      text = await res.text();
    } catch (e) {
      const timedOut = ctrl.signal.aborted;
      throw new ChatError(timedOut ? `chat endpoint timed out after ${this.o.timeoutMs} ms` : `chat endpoint unreachable (${(e as Error).message})`, true);
    } finally {
      clearTimeout(timer);
    }
    if (!res.ok) {
      const retryable = res.status === 429 || res.status >= 500 || res.status === 408;
      // Redact before truncating: a cut could otherwise leave a prefix of the key in the message.
      const err = new ChatError(`chat endpoint answered HTTP ${res.status}: ${this.redact(text).slice(0, 200).replace(/\s+/g, ' ')}`, retryable, res.status);
      // No Retry-After header means "use the backoff" (Number(null) would be 0: an instant retry).
      const header = res.headers.get('retry-after');
      const ra = header === null || header.trim() === '' ? NaN : Number(header);
      if (Number.isFinite(ra) && ra >= 0) Object.assign(err, { retryAfterMs: ra * 1000 });
      throw err;
    }
    let json: { choices?: { message?: { content?: unknown } }[]; usage?: { prompt_tokens?: number; completion_tokens?: number } };
    try {
      json = JSON.parse(text);
    } catch {
      throw new ChatError(`chat endpoint sent a body that is not JSON: ${this.redact(text).slice(0, 120)}`, true);
    }
    const content = json?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new ChatError('chat endpoint reply has no choices[0].message.content string', true);
    return {
      content,
      usage: { promptTokens: Number(json.usage?.prompt_tokens ?? 0) || 0, completionTokens: Number(json.usage?.completion_tokens ?? 0) || 0 },
    };
  }
}
