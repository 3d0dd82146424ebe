import { describe, expect, it } from 'vitest';
import { parseAssistantOutput } from '../../../src/model/tool-calls.ts';
import { rng } from '../../../src/reference/compare.ts';

describe('parseAssistantOutput', () => {
  it('extracts several calls, the text around them and the reasoning', () => {
    const t = parseAssistantOutput(
      '<think>\nThe user wants two orders.\n</think>\n\nLet me check.\n<tool_call>\n{"name": "get_order", "arguments": {"id": "#W1"}}\n</tool_call>\n' +
        '<tool_call>\n{"name": "get_order", "arguments": "{\\"id\\": \\"#W2\\"}"}\n</tool_call><|im_end|>',
    );
    expect(t.reasoning).toBe('The user wants two orders.');
    expect(t.content).toBe('Let me check.');
    expect(t.errors).toEqual([]);
    expect(t.toolCalls.map((c) => [c.name, c.arguments])).toEqual([
      ['get_order', { id: '#W1' }],
      ['get_order', { id: '#W2' }], // arguments given as a JSON string
    ]);
  });

  it('plain answers have no calls and no errors', () => {
    expect(parseAssistantOutput('Your order was delivered.<|im_end|>')).toEqual({ content: 'Your order was delivered.', reasoning: null, toolCalls: [], errors: [] });
  });

  it('turns malformed calls into errors the episode can report, keeping the good ones', () => {
    const t = parseAssistantOutput(
      '<tool_call>\n{"name": "a", "arguments": {"x": 1,}}\n</tool_call>\n' +
        '<tool_call>\n{"arguments": {}}\n</tool_call>\n' +
        '<tool_call>["a"]</tool_call>' +
        '<tool_call>{"name": "b", "arguments": [1]}</tool_call>' +
        '<tool_call>\n```json\n{"name": "ok", "arguments": {}}\n```\n</tool_call>' +
        '<tool_call>{"name": "c", "arguments": "not json"}</tool_call>' +
        '<tool_call></tool_call>' +
        '<tool_call>{"name": "d", "arguments": {"q": "unterminated',
    );
    expect(t.toolCalls.map((c) => c.name)).toEqual(['ok']);
    expect(t.errors.map((e) => e.index)).toEqual([0, 1, 2, 3, 5, 6, 7]);
    expect(t.errors[0]!.message).toMatch(/^tool call 1: invalid JSON \(/);
    expect(t.errors[1]!.message).toMatch(/no "name"/);
    expect(t.errors[2]!.message).toMatch(/must be a JSON object/);
    expect(t.errors[3]!.message).toMatch(/"arguments" of b must be a JSON object/);
    expect(t.errors[4]!.message).toMatch(/"arguments" of c is a string that is not a JSON object/);
    expect(t.errors[5]!.message).toMatch(/empty/);
    expect(t.errors[6]!.message).toMatch(/invalid JSON .*\(and no closing <\/tool_call>\)$/);
    expect(t.errors[6]!.raw).toBe('{"name": "d", "arguments": {"q": "unterminated');
  });

  it('accepts a complete call cut before its closing tag, and prose around the JSON object', () => {
    const t = parseAssistantOutput('<tool_call>\nSure: {"name": "f", "parameters": {"a": 2}} done');
    expect(t.toolCalls).toEqual([{ name: 'f', arguments: { a: 2 }, raw: '\nSure: {"name": "f", "parameters": {"a": 2}} done' }]);
    expect(t.errors).toEqual([]);
  });

  it('never throws, whatever the model writes', () => {
    const pieces = ['<tool_call>', '</tool_call>', '{', '}', '"name"', ':', '"x"', '"arguments"', '<think>', '</think>', '<|im_end|>', ',', '[', 'text', '\n'];
    const r = rng(99);
    for (let i = 0; i < 500; i++) {
      const s = Array.from({ length: 1 + Math.floor(r() * 20) }, () => pieces[Math.floor(r() * pieces.length)]).join('');
      const t = parseAssistantOutput(s);
      expect(t.toolCalls.length + t.errors.length).toBe(s.replace(/<\|im_end\|>[\s\S]*$/, '').replace(/^[\s\S]*?<\/think>/, '').split('<tool_call>').length - 1);
    }
  });
});
