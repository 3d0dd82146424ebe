// Parsing Qwen-style tool calls out of generated assistant text, never throwing: every malformed call
// becomes a ToolCallError whose `message` can be sent back to the policy as the tool's response.
//   <think>reasoning</think>  text  <tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call> ...
//
// INTERFACE (stable):
//   parseAssistantOutput(text): ParsedAssistantTurn  { content, reasoning, toolCalls: ParsedToolCall[], errors: ToolCallError[] }
//   ParsedToolCall { name: string; arguments: Record<string, unknown>; raw: string }
//   ToolCallError { index: number; message: string; raw: string }
//   toChatToolCalls(calls): ChatToolCall[]     (to append the turn to a chat history)

import type { ChatToolCall } from './chat-template.ts';

export interface ParsedToolCall {
  name: string;
  arguments: Record<string, unknown>;
  /** The text between the tags, as generated. */
  raw: string;
}

export interface ToolCallError {
  /** 0-based position among the <tool_call> blocks of the turn. */
  index: number;
  message: string;
  raw: string;
}

export interface ParsedAssistantTurn {
  /** Text outside <think> and <tool_call> blocks, trimmed, end-of-turn tokens removed. */
  content: string;
  reasoning: string | null;
  toolCalls: ParsedToolCall[];
  errors: ToolCallError[];
}

const OPEN = '<tool_call>';
const CLOSE = '</tool_call>';
const END_MARKERS = /(<\|im_end\|>|<\|endoftext\|>)[\s\S]*$/;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJsonLenient(body: string): { value?: unknown; error?: string } {
  let text = body.trim();
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/.exec(text);
  if (fenced) text = fenced[1]!;
  if (!text) return { error: 'the tool call is empty' };
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    // Models sometimes add prose around the object: retry on the outermost braces before giving up.
    const a = text.indexOf('{');
    const b = text.lastIndexOf('}');
    if (a >= 0 && b > a && (a > 0 || b < text.length - 1)) {
      try {
        return { value: JSON.parse(text.slice(a, b + 1)) };
      } catch {
        // fall through to the original error, which points into what the model wrote
      }
    }
    return { error: `invalid JSON (${(e as Error).message})` };
  }
}

function toCall(raw: string): { call?: ParsedToolCall; error?: string } {
  const { value, error } = parseJsonLenient(raw);
  if (error) return { error };
  if (!isPlainObject(value)) return { error: 'the tool call must be a JSON object like {"name": ..., "arguments": {...}}' };
  const name = value.name;
  if (typeof name !== 'string' || !name.trim()) return { error: 'the tool call has no "name" string' };
  let args: unknown = value.arguments ?? value.parameters ?? {};
  if (typeof args === 'string') {
    const inner = parseJsonLenient(args);
    if (inner.error) return { error: `"arguments" of ${name} is a string that is not a JSON object: ${inner.error}` };
    args = inner.value;
  }
  if (!isPlainObject(args)) return { error: `"arguments" of ${name} must be a JSON object` };
  return { call: { name: name.trim(), arguments: args, raw } };
}

export function parseAssistantOutput(text: string): ParsedAssistantTurn {
  let rest = text.replace(END_MARKERS, '');
  let reasoning: string | null = null;
  const thinkEnd = rest.indexOf('</think>');
  if (thinkEnd >= 0) {
    const before = rest.slice(0, thinkEnd);
    const start = before.lastIndexOf('<think>');
    reasoning = (start >= 0 ? before.slice(start + '<think>'.length) : before).trim();
    rest = rest.slice(thinkEnd + '</think>'.length);
  }
  const toolCalls: ParsedToolCall[] = [];
  const errors: ToolCallError[] = [];
  const contentParts: string[] = [];
  let pos = 0;
  let index = 0;
  for (;;) {
    const open = rest.indexOf(OPEN, pos);
    if (open < 0) {
      contentParts.push(rest.slice(pos));
      break;
    }
    contentParts.push(rest.slice(pos, open));
    const bodyStart = open + OPEN.length;
    const close = rest.indexOf(CLOSE, bodyStart);
    const nextOpen = rest.indexOf(OPEN, bodyStart);
    const terminated = close >= 0 && (nextOpen < 0 || close < nextOpen);
    const bodyEnd = terminated ? close : nextOpen >= 0 ? nextOpen : rest.length;
    const raw = rest.slice(bodyStart, bodyEnd);
    const { call, error } = toCall(raw);
    if (call) toolCalls.push(call);
    else errors.push({ index, raw, message: `tool call ${index + 1}: ${error}${terminated ? '' : ' (and no closing </tool_call>)'}` });
    index++;
    pos = terminated ? close + CLOSE.length : bodyEnd;
  }
  const content = contentParts.join('').replaceAll(CLOSE, '').trim();
  return { content, reasoning, toolCalls, errors };
}

/** Parsed calls in the chat-template shape, to append the assistant turn to the history. */
export function toChatToolCalls(calls: ParsedToolCall[]): ChatToolCall[] {
  return calls.map((c) => ({ type: 'function', function: { name: c.name, arguments: c.arguments } }));
}
