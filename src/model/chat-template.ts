// Rendering a model's Jinja chat template with @huggingface/jinja, with Qwen's tool-calling conventions:
// tool schemas go in `tools` (rendered into the system turn), an assistant's calls in `tool_calls`
// (rendered as <tool_call>{"name": ..., "arguments": ...}</tool_call>), tool results as role 'tool'
// messages (rendered as <tool_response>...</tool_response> inside a user turn).
//
// INTERFACE (stable):
//   interface ChatMessage { role: 'system'|'user'|'assistant'|'tool'; content: string; tool_calls?: ChatToolCall[];
//     reasoning_content?: string; name?: string }
//   interface ChatToolCall { type?: 'function'; function: { name: string; arguments: Record<string, unknown> | string } }
//   interface ToolSchema { type: 'function'; function: { name; description?; parameters? } }
//   renderChatTemplate(template: string, messages, opts?: ChatTemplateOptions): string
import { Template } from '@huggingface/jinja';

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatToolCall {
  type?: 'function';
  id?: string;
  function: { name: string; arguments: Record<string, unknown> | string };
}

export interface ChatMessage {
  role: ChatRole;
  content: string;
  tool_calls?: ChatToolCall[];
  reasoning_content?: string;
  /** Tool name on role 'tool' messages (ignored by Qwen's template, kept for others). */
  name?: string;
}

export interface ToolSchema {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export interface ChatTemplateOptions {
  tools?: ToolSchema[];
  /** End with the assistant header so the model continues as the assistant (default true). */
  addGenerationPrompt?: boolean;
  /** Qwen3 only: false appends an empty <think></think> block. Left undefined: the template's default. */
  enableThinking?: boolean;
  bosToken?: string;
  eosToken?: string;
}

// Compiling a template costs more than rendering it; studios render thousands of turns per run.
const compiled = new Map<string, Template>();

export function renderChatTemplate(template: string, messages: ChatMessage[], opts: ChatTemplateOptions = {}): string {
  if (messages.length === 0) throw new Error('chat template: no messages');
  let t = compiled.get(template);
  if (!t) {
    try {
      t = new Template(template);
    } catch (e) {
      throw new Error(`chat template does not parse: ${(e as Error).message}`);
    }
    compiled.set(template, t);
  }
  const context: Record<string, unknown> = {
    messages,
    add_generation_prompt: opts.addGenerationPrompt ?? true,
    bos_token: opts.bosToken ?? '',
    eos_token: opts.eosToken ?? '',
  };
  if (opts.tools && opts.tools.length) context.tools = opts.tools;
  if (opts.enableThinking !== undefined) context.enable_thinking = opts.enableThinking;
  try {
    return t.render(context);
  } catch (e) {
    throw new Error(`chat template failed to render: ${(e as Error).message}`);
  }
}
