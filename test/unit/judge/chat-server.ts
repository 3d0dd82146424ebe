// A real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions protocol, scripted per test:
// each request goes to `handler`, which returns a status, a body (object → JSON) and an optional
// delay, so tests can exercise 429s, 500s, timeouts, malformed bodies and bad replies.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequestSeen {
  headers: IncomingHttpHeaders;
  body: { model: string; messages: { role: string; content: string }[]; response_format?: unknown; temperature?: number; seed?: number };
}
export interface ScriptedReply {
  status?: number;
  body?: unknown;
  delayMs?: number;
  headers?: Record<string, string>;
}
export type Handler = (req: ChatRequestSeen, n: number) => ScriptedReply;

export const completion = (content: string, usage = { prompt_tokens: 100, completion_tokens: 20 }) => ({
  id: 'x',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage,
});

export async function startChatServer(handler: Handler) {
  const seen: ChatRequestSeen[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (req.url !== '/v1/chat/completions' || req.method !== 'POST') {
        res.writeHead(404).end('not found');
        return;
      }
      const r: ChatRequestSeen = { headers: req.headers, body: JSON.parse(raw) };
      seen.push(r);
      const reply = handler(r, seen.length);
      const send = () => {
        if (res.destroyed) return;
        const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers }).end(body);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    seen,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
