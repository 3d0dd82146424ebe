// The model's tokenizer (tokenizer.json + tokenizer_config.json through @huggingface/tokenizers) and its
// chat template. Browser-safe; the bundled Qwen3 tokenizer for offline use is in tokenizer-node.ts.
//
// INTERFACE (stable):
//   class ModelTokenizer { static fromJson(tokenizerJson, tokenizerConfig?, chatTemplate?); encode(text, {addSpecialTokens?}): number[];
//     decode(ids, {skipSpecialTokens?}): string; tokenId(token): number | undefined; tokenText(id);
//     readonly chatTemplate: string | null; readonly eosToken: string | null; readonly eosTokenIds: number[];
//     readonly vocabSize: number; applyChatTemplate(messages, opts?): string }
//   loadTokenizer(source: ModelSource): Promise<ModelTokenizer>   (tokenizer.json, tokenizer_config.json, chat_template.jinja, id_map.json)
// With an id map (see id-map.ts) every id in and out is the model's small id; the tokenizer files keep
// the base tokenizer's ids.
import { Tokenizer } from '@huggingface/tokenizers';
import { IdMap, ID_MAP_FILE } from './id-map.ts';
import { renderChatTemplate, type ChatMessage, type ChatTemplateOptions } from './chat-template.ts';
import type { ModelSource } from './weights.ts';

type Json = Record<string, unknown>;

function tokenString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as Json).content === 'string') return (v as Json).content as string;
  return null;
}

export class ModelTokenizer {
  readonly chatTemplate: string | null;
  readonly eosToken: string | null;
  readonly bosToken: string | null;
  /** The config's eos token plus the chat end-of-turn markers present in the vocabulary. */
  readonly eosTokenIds: number[];
  readonly vocabSize: number;

  private constructor(
    private readonly tok: Tokenizer,
    config: Json,
    chatTemplate?: string,
    /** Small model ids ↔ tokenizer ids (null: the tokenizer's ids are the model's). */
    readonly idMap: IdMap | null = null,
  ) {
    const t = chatTemplate ?? config.chat_template;
    // Newer checkpoints may ship a list of named templates; 'default' is the chat one.
    if (Array.isArray(t)) {
      const named = t.find((x: Json) => x.name === 'default') ?? t[0];
      this.chatTemplate = (named as Json | undefined)?.template as string ?? null;
    } else this.chatTemplate = typeof t === 'string' ? t : null;
    this.eosToken = tokenString(config.eos_token);
    this.bosToken = tokenString(config.bos_token);
    const ids = new Set<number>();
    for (const s of [this.eosToken, '<|im_end|>', '<|endoftext|>']) {
      const id = s === null ? undefined : this.tokenId(s);
      if (id !== undefined) ids.add(id);
    }
    this.eosTokenIds = [...ids];
    this.vocabSize = idMap ? idMap.size : tok.get_vocab().size;
  }

  /**
   * From parsed tokenizer.json and tokenizer_config.json (may be omitted: then no chat template unless
   * `chatTemplate` is given, e.g. from the chat_template.jinja file transformers 5.x writes).
   */
  static fromJson(tokenizerJson: unknown, tokenizerConfig: unknown = {}, chatTemplate?: string, idMap?: IdMap): ModelTokenizer {
    if (!tokenizerJson || typeof tokenizerJson !== 'object') throw new Error('tokenizer.json: expected a JSON object');
    const config = (tokenizerConfig ?? {}) as Json;
    return new ModelTokenizer(new Tokenizer(tokenizerJson, config), config, chatTemplate, idMap ?? null);
  }

  /** Special tokens written in the text (e.g. <|im_start|>) become their ids. No BOS is added for Qwen. */
  encode(text: string, opts: { addSpecialTokens?: boolean } = {}): number[] {
    const ids = this.tok.encode(text, { add_special_tokens: opts.addSpecialTokens ?? false }).ids;
    const m = this.idMap;
    return m ? ids.map((id) => m.toSmall(id)) : ids;
  }

  decode(ids: number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    const m = this.idMap;
    return this.tok.decode(m ? ids.map((id) => m.toBase(id)) : ids, { skip_special_tokens: opts.skipSpecialTokens ?? false });
  }

  tokenId(token: string): number | undefined {
    const id = this.tok.token_to_id(token);
    if (id === undefined || !this.idMap) return id;
    return this.idMap.hasBase(id) ? this.idMap.toSmall(id) : undefined;
  }

  tokenText(id: number): string | undefined {
    if (!this.idMap) return this.tok.id_to_token(id);
    return id >= 0 && id < this.idMap.size ? this.tok.id_to_token(this.idMap.toBase(id)) : undefined;
  }

  applyChatTemplate(messages: ChatMessage[], opts: ChatTemplateOptions = {}): string {
    if (!this.chatTemplate) throw new Error('tokenizer_config.json has no chat_template');
    return renderChatTemplate(this.chatTemplate, messages, {
      bosToken: this.bosToken ?? undefined,
      eosToken: this.eosToken ?? undefined,
      ...opts,
    });
  }
}

/** tokenizer.json (required) and tokenizer_config.json (optional) from a model folder, URL or dropped files. */
export async function loadTokenizer(source: ModelSource): Promise<ModelTokenizer> {
  if (!(await source.has('tokenizer.json'))) throw new Error(`${source.name}: no tokenizer.json`);
  const parse = async (file: string) => {
    try {
      return JSON.parse(await source.readText(file)) as unknown;
    } catch (e) {
      throw new Error(`${source.name}/${file}: not valid JSON (${(e as Error).message})`);
    }
  };
  const tokenizerJson = await parse('tokenizer.json');
  const config = (await source.has('tokenizer_config.json')) ? await parse('tokenizer_config.json') : {};
  // transformers ≥ 4.43 may save the template as its own file; it wins over tokenizer_config.json's.
  const jinja = (await source.has('chat_template.jinja')) ? await source.readText('chat_template.jinja') : undefined;
  const idMap = (await source.has(ID_MAP_FILE)) ? IdMap.fromJson(await parse(ID_MAP_FILE), `${source.name}/${ID_MAP_FILE}`) : undefined;
  return ModelTokenizer.fromJson(tokenizerJson, config, jinja, idMap);
}
