// The restricted Qwen3 tokenizer + id map: every token of the retail data, the train demonstrations'
// dialogue and the math text round-trips (full Qwen3 encode → small ids → Qwen ids → decode = text),
// and the restricted tokenizer encodes that text to exactly Qwen3's ids.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IdMap } from '../../../../src/model/id-map.ts';
import { ModelTokenizer } from '../../../../src/model/tokenizer.ts';
import { bundledQwen3TokenizerDir } from '../../../../src/model/tokenizer-node.ts';
import { dialogueCorpus, mathCorpus, retailCorpus } from '../../../../src/model/default/corpus.ts';
import { oracleTrajectories } from '../../../../src/model/default/demos.ts';
import { byteLevelAlphabet, restrictTokenizer } from '../../../../src/model/default/vocab.ts';

let full: ModelTokenizer;
let small: ModelTokenizer;
let texts: string[];
let idMap: IdMap;

beforeAll(async () => {
  const dir = bundledQwen3TokenizerDir();
  const fullJson = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as unknown;
  const config = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as unknown;
  full = ModelTokenizer.fromJson(fullJson, config);
  texts = [...retailCorpus(full), ...dialogueCorpus(await oracleTrajectories(40)), ...mathCorpus()].filter((t) => t.length > 0);
  const used = new Set<number>();
  for (const t of texts) for (const id of full.encode(t)) used.add(id);
  const r = restrictTokenizer(fullJson, used, 'qwen3');
  idMap = r.idMap;
  small = ModelTokenizer.fromJson(r.tokenizerJson, config, undefined, r.idMap);
}, 120_000);

describe('restricted Qwen3 tokenizer with an id map', () => {
  it('round-trips every token of the retail data and math text, identical to the full tokenizer', () => {
    expect(texts.length).toBeGreaterThan(4000);
    let tokens = 0;
    for (const text of texts) {
      const qwen = full.encode(text);
      const ids = small.encode(text);
      expect(ids.map((i) => idMap.toBase(i))).toEqual(qwen);
      for (const q of qwen) expect(idMap.toBase(idMap.toSmall(q))).toBe(q);
      expect(small.decode(ids)).toBe(full.decode(qwen));
      expect(small.decode(ids)).toBe(text.normalize('NFC'));
      tokens += ids.length;
    }
    expect(tokens).toBeGreaterThan(500_000);
  });

  it('shows the engine a small vocabulary: ids in [0, n), chat specials and eos mapped', () => {
    expect(small.vocabSize).toBe(idMap.size);
    expect(idMap.size).toBeLessThan(10_000);
    const imEnd = small.tokenId('<|im_end|>')!;
    expect(imEnd).toBeLessThan(idMap.size);
    expect(idMap.toBase(imEnd)).toBe(full.tokenId('<|im_end|>'));
    expect(small.eosTokenIds).toContain(imEnd);
    expect(small.tokenText(imEnd)).toBe('<|im_end|>');
    const chat = small.applyChatTemplate([{ role: 'user', content: 'Where is order #W1234567?' }], { addGenerationPrompt: true, enableThinking: false });
    for (const id of small.encode(chat)) expect(id).toBeLessThan(idMap.size);
  });

  it('still encodes text it never saw (through smaller pieces) and decodes it back', () => {
    const text = 'Zyxwvut quokka — naïve 東京 🚀 ###';
    const ids = small.encode(text);
    expect(ids.every((i) => i >= 0 && i < idMap.size)).toBe(true);
    expect(small.decode(ids)).toBe(text);
    expect(byteLevelAlphabet()).toHaveLength(256);
  });

  it('rejects bad id maps and unknown ids with errors naming them', () => {
    expect(() => IdMap.fromJson({ version: 1, base: 'q', base_ids: [3, 2] })).toThrow(/strictly increasing/);
    expect(() => IdMap.fromJson({ version: 2, base: 'q', base_ids: [1] })).toThrow(/version 2/);
    expect(() => IdMap.fromJson({ version: 1, base: 'q', base_ids: [] })).toThrow(/base_ids/);
    expect(() => idMap.toSmall(151_000)).toThrow(/151000/);
    expect(() => small.decode([idMap.size])).toThrow(/outside/);
    const m = IdMap.fromJson(IdMap.fromBaseIds([9, 4, 4, 7], 'q').toJson());
    expect([m.toBase(0), m.toBase(1), m.toBase(2), m.size]).toEqual([4, 7, 9, 3]);
  });
});
