// An OpenAI-compatible chat-completions endpoint over the local model (Node): POST
// /v1/chat/completions with messages, tools, temperature, top_p, max_tokens, seed, stop; GET
// /v1/models. Tool calls are rendered and parsed in the model's own format (Qwen <tool_call>) and
// returned as OpenAI `tool_calls`, so any OpenAI client — τ-bench's harness, the LLM judge, the LLM
// user — can talk to a policy trained here. Requests are served one at a time (one model).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InferenceBackend } from '../model/backend.ts';
import type { ChatMessage, ToolSchema } from '../model/chat-template.ts';
import type { ModelTokenizer } from '../model/tokenizer.ts';
import { parseAssistantOutput } from '../model/tool-calls.ts';

export interface ServeOptions {
  backend: InferenceBackend;
  tokenizer: ModelTokenizer;
  modelName: string;
  host?: string;
  port?: number;
  maxTokensDefault?: number;
  /** Largest accepted request body. */
  maxBodyBytes?: number;
}

class BadRequest extends Error {}

type OpenAIMessage = {
  role?: unknown;
  content?: unknown;
  tool_calls?: { id?: string; function?: { name?: unknown; arguments?: unknown } }[];
  name?: unknown;
};

function textOf(content: unknown, where: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
  throw new BadRequest(`${where}.content must be a string or a list of text parts`);
}

/** OpenAI request messages → the chat-template shape (tool-call arguments parsed to objects). */
export function toTemplateMessages(raw: unknown): ChatMessage[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new BadRequest('"messages" must be a non-empty array');
  return raw.map((m: OpenAIMessage, i) => {
    const where = `messages[${i}]`;
    if (!m || typeof m !== 'object') throw new BadRequest(`${where} is not an object`);
    const role = m.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant' && role !== 'tool' && role !== 'developer') throw new BadRequest(`${where}.role "${String(role)}" is not supported`);
    const msg: ChatMessage = { role: role === 'developer' ? 'system' : role, content: textOf(m.content, where) };
    if (role === 'assistant' && Array.isArray(m.tool_calls)) {
      msg.tool_calls = m.tool_calls.map((c, k) => {
        const name = c?.function?.name;
        if (typeof name !== 'string') throw new BadRequest(`${where}.tool_calls[${k}].function.name must be a string`);
        let args = c.function?.arguments ?? {};
        if (typeof args === 'string') {
          try {
            args = args.trim() ? JSON.parse(args) : {};
          } catch {
            throw new BadRequest(`${where}.tool_calls[${k}].function.arguments is not JSON`);
          }
        }
        return { type: 'function' as const, function: { name, arguments: args as Record<string, unknown> } };
      });
    }
    if (typeof m.name === 'string') msg.name = m.name;
    return msg;
  });
}

function num(v: unknown, name: string, lo: number, hi: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) throw new BadRequest(`"${name}" must be a number in [${lo}, ${hi}]`);
  return v;
}

export function startOpenAIServer(o: ServeOptions): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  let queue: Promise<unknown> = Promise.resolve();
  let counter = 0;
  const limit = o.backend.config.maxPositionEmbeddings;

  async function complete(body: Record<string, unknown>) {
    const messages = toTemplateMessages(body.messages);
    const tools = body.tools === undefined ? undefined : (body.tools as ToolSchema[]);
    if (tools !== undefined && !Array.isArray(tools)) throw new BadRequest('"tools" must be an array');
    const temperature = num(body.temperature, 'temperature', 0, 2) ?? 1;
    const topP = num(body.top_p, 'top_p', 0.000001, 1);
    const maxTokens = num(body.max_tokens ?? body.max_completion_tokens, 'max_tokens', 1, 1e6) ?? o.maxTokensDefault ?? 1024;
    const seed = num(body.seed, 'seed', 0, 2 ** 32 - 1) ?? 0;
    const stop = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? (body.stop as string[]) : [];
    const prompt = o.tokenizer.encode(o.tokenizer.applyChatTemplate(messages, { tools, addGenerationPrompt: true }));
    if (prompt.length >= limit) throw new BadRequest(`the prompt has ${prompt.length} tokens; the model's context is ${limit}`);
    const [r] = await o.backend.generate([prompt], {
      maxNewTokens: Math.min(Math.floor(maxTokens), limit - prompt.length),
      temperature,
      greedy: temperature === 0,
      topP,
      seed: Math.floor(seed),
      stopTokenIds: o.tokenizer.eosTokenIds,
      stopStrings: stop,
      decode: (ids) => o.tokenizer.decode(ids),
    });
    const parsed = parseAssistantOutput(o.tokenizer.decode(r.tokens));
    const toolCalls = parsed.toolCalls.map((c) => ({ id: `call_${++counter}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
    const finish = toolCalls.length ? 'tool_calls' : r.finishReason === 'length' ? 'length' : 'stop';
    return {
      id: `chatcmpl-${counter++}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: o.modelName,
      choices: [{ index: 0, message: { role: 'assistant', content: parsed.content, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) }, finish_reason: finish }],
      usage: { prompt_tokens: prompt.length, completion_tokens: r.tokens.length, total_tokens: prompt.length + r.tokens.length },
    };
  }

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, message: string) => send(res, status, { error: { message, type: status < 500 ? 'invalid_request_error' : 'server_error' } });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && req.url === '/v1/models') return send(res, 200, { object: 'list', data: [{ id: o.modelName, object: 'model', owned_by: 'tarl' }] });
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return error(res, 404, `no route ${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    let size = 0;
    const maxBytes = o.maxBodyBytes ?? 8 << 20;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      if (tooLarge) return; // drained and dropped: the 413 is already sent
      size += c.length;
      if (size <= maxBytes) return void chunks.push(c);
      tooLarge = true;
      chunks.length = 0;
      error(res, 413, `the request body is over ${maxBytes} bytes`);
    });
    req.on('end', () => {
      if (tooLarge) return;
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return error(res, 400, 'the request body is not JSON');
      }
      // A JSON null (or any non-object) would otherwise throw here, outside any handler, and end the server.
      if (!body || typeof body !== 'object' || Array.isArray(body)) return error(res, 400, 'the request body must be a JSON object');
      if (body.stream) return error(res, 400, 'streaming is not supported; send "stream": false');
      const run = queue.then(() => complete(body));
      queue = run.catch(() => undefined);
      run.then(
        (out) => send(res, 200, out),
        (e: Error) => error(res, e instanceof BadRequest ? 400 : 500, e.message),
      );
    });
  });
  return new Promise((resolve) => {
    server.listen(o.port ?? 8000, o.host ?? '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        server,
        url: `http://${o.host ?? '127.0.0.1'}:${port}/v1`,
        close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}
