// The ONE training config: a JSON file validated against CONFIG_SCHEMA (ajv), merged over the
// defaults, with CLI overrides ("reward.mode=terminal", "lr=1e-5"). Errors name the key path.
// Every key is documented in docs/config.md.
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020.js';
import { CONFIG_SCHEMA, DEFAULT_CONFIG, type TrainConfig } from './config-schema.ts';
import type { RewardConfig } from '../reward/config.ts';
import { defaultAggregation, type Aggregation } from './objectives.ts';
import { ScheduleError, validateSchedule } from './schedule.ts';

export { CONFIG_SCHEMA, DEFAULT_CONFIG, type TrainConfig } from './config-schema.ts';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid training config:\n  ${problems.join('\n  ')}`);
  }
}

type Schema = Record<string, unknown>;

const ajv = new Ajv2020({ allErrors: true, verbose: true, allowUnionTypes: true });
ajv.addVocabulary(['x-expected']);
ajv.addKeyword({
  keyword: 'schedule',
  schemaType: 'object',
  errors: true,
  validate: function check(range: { min?: number; max?: number }, data: unknown) {
    try {
      validateSchedule(data, '', range);
      return true;
    } catch (e) {
      if (!(e instanceof ScheduleError)) throw e;
      // validateSchedule's message starts with the (empty) path, e.g. ".points[1]: step ...".
      (check as unknown as { errors: Partial<ErrorObject>[] }).errors = [{ keyword: 'schedule', message: e.message.replace(/^:\s*/, ''), params: {} }];
      return false;
    }
  },
});
const validate = ajv.compile(CONFIG_SCHEMA);

// "/lora/targets/0" → "lora.targets[0]"
const dotted = (instancePath: string) => instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').slice(1).replace(/\//g, '.');

/** One readable line per problem, each starting with the dotted key path. */
export function describeErrors(errors: readonly ErrorObject[]): string[] {
  const unionPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const lines = new Set<string>();
  for (const e of errors) {
    const path = dotted(e.instancePath) || '(root)';
    if (e.keyword === 'additionalProperties') {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys(((e.parentSchema as Schema).properties as Schema) ?? {});
      lines.add(`${e.instancePath ? `${path}.` : ''}${key}: unknown key (known ${e.instancePath ? `under '${path}'` : 'at the top level'}: ${known.join(', ')})`);
    } else if (e.keyword === 'required') {
      const key = (e.params as { missingProperty: string }).missingProperty;
      lines.add(`${e.instancePath ? `${path}.` : ''}${key}: missing`);
    } else if (unionPaths.has(e.instancePath) && e.instancePath !== '' && e.keyword !== 'oneOf') {
      continue; // reported once below, in words
    } else if (e.keyword === 'oneOf') {
      lines.add(`${path}: must be ${(e.parentSchema as Schema)['x-expected'] ?? 'one of the allowed forms'}, got ${JSON.stringify(e.data)}`);
    } else if (e.keyword === 'enum') {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ');
      lines.add(`${path}: must be one of ${allowed}, got ${JSON.stringify(e.data)}`);
    } else if (e.keyword === 'schedule') {
      lines.add(`${path}${e.message!.startsWith('.') ? '' : ': '}${e.message}`);
    } else if (e.keyword === 'type' && (e.parentSchema as Schema)['x-expected']) {
      lines.add(`${path}: must be ${(e.parentSchema as Schema)['x-expected']}, got ${JSON.stringify(e.data)}`);
    } else {
      lines.add(`${path}: ${e.message}${e.keyword === 'type' || e.keyword.endsWith('imum') ? `, got ${JSON.stringify(e.data)}` : ''}`);
    }
  }
  return [...lines];
}

/** Throws ConfigError listing every problem; returns the config typed. */
export function validateConfig(config: unknown): TrainConfig {
  if (!validate(config)) throw new ConfigError(describeErrors(validate.errors ?? []));
  return config as unknown as TrainConfig;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge guided by the schema: config sections merge key by key; leaves (schedules, lists) are replaced. */
function mergeBySchema(base: unknown, patch: unknown, schema: Schema): unknown {
  if (!isPlainObject(patch) || !isPlainObject(base) || !schema.properties) return structuredClone(patch);
  const props = schema.properties as Record<string, Schema>;
  const out: Record<string, unknown> = { ...structuredClone(base) };
  for (const [k, v] of Object.entries(patch)) out[k] = k in props && k in base ? mergeBySchema(base[k], v, props[k]!) : structuredClone(v);
  return out;
}

/** The defaults, overlaid with a (partial) config object; validated. */
export function resolveConfig(partial: unknown = {}): TrainConfig {
  if (!isPlainObject(partial)) throw new ConfigError([`(root): a config must be a JSON object, got ${JSON.stringify(partial)}`]);
  return validateConfig(mergeBySchema(DEFAULT_CONFIG, partial, CONFIG_SCHEMA as unknown as Schema));
}

/** Parses a config file's text (JSON) and resolves it over the defaults. */
export function parseConfigText(text: string, source = 'config'): TrainConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([`${source}: not valid JSON (${(e as Error).message})`]);
  }
  return resolveConfig(json);
}

function schemaAt(path: string[]): Schema {
  let schema = CONFIG_SCHEMA as unknown as Schema;
  path.forEach((key, i) => {
    const props = schema.properties as Record<string, Schema> | undefined;
    const here = path.slice(0, i).join('.');
    if (!props) throw new ConfigError([`${path.join('.')}: unknown key ('${here}' has no sub-keys)`]);
    if (!(key in props)) {
      throw new ConfigError([`${path.slice(0, i + 1).join('.')}: unknown key (known ${here ? `under '${here}'` : 'at the top level'}: ${Object.keys(props).join(', ')})`]);
    }
    schema = props[key]!;
  });
  return schema;
}

function typesOf(schema: Schema): Set<string> {
  const types = new Set<string>();
  const add = (s: Schema) => {
    if (Array.isArray(s.type)) s.type.forEach((t) => types.add(t as string));
    else if (typeof s.type === 'string') types.add(s.type);
    if (s.enum) (s.enum as unknown[]).forEach((v) => types.add(typeof v));
    if ('const' in s) types.add(typeof s.const);
    if (s.schedule) ['number', 'object'].forEach((t) => types.add(t));
    (s.oneOf as Schema[] | undefined)?.forEach(add);
  };
  add(schema);
  return types;
}

/** Turns the text of a `key=value` override into the type the key's schema expects. */
function parseValue(raw: string, schema: Schema, key: string): unknown {
  const types = typesOf(schema);
  const text = raw.trim();
  if (types.has('null') && text === 'null') return null;
  if ((types.has('number') || types.has('integer')) && text !== '' && Number.isFinite(Number(text))) return Number(text);
  if (types.has('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  if ((types.has('object') || types.has('array')) && /^[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new ConfigError([`${key}: "${raw}" is not valid JSON (${(e as Error).message})`]);
    }
  }
  if (types.has('array')) {
    const items = (schema.items as Schema | undefined) ?? {};
    const itemTypes = typesOf(items);
    return text === '' ? [] : text.split(',').map((part) => (itemTypes.has('string') ? part.trim() : parseValue(part, items, key)));
  }
  if (types.has('string')) return raw;
  // Leave it as text: validation then reports the expected type for this key.
  return raw;
}

/**
 * Applies CLI overrides "dotted.key=value" (e.g. "reward.mode=terminal", "lr=1e-5",
 * "lora.targets=q_proj,v_proj", 'math.ratio={"points":[[0,0],[30,0.2]]}') to a copy of `config`
 * and validates the result. An unknown key is an error naming it.
 */
export function applyOverrides(config: TrainConfig, overrides: readonly string[]): TrainConfig {
  const out = structuredClone(config) as unknown as Record<string, unknown>;
  for (const item of overrides) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigError([`override "${item}": expected key=value`]);
    const key = item.slice(0, eq).trim();
    const path = key.split('.');
    if (path.some((p) => p === '')) throw new ConfigError([`override "${item}": bad key "${key}"`]);
    const schema = schemaAt(path);
    if (schema.properties) {
      throw new ConfigError([`${key}: is a section; set its keys instead (e.g. ${key}.${Object.keys(schema.properties as object)[0]}=...)`]);
    }
    let target = out;
    for (const p of path.slice(0, -1)) target = target[p] as Record<string, unknown>;
    target[path.at(-1)!] = parseValue(item.slice(eq + 1), schema, key);
  }
  return validateConfig(out);
}

/** The aggregation actually used: 'auto' resolves to the algorithm's default. */
export function effectiveAggregation(config: TrainConfig): Aggregation {
  return config.loss.aggregation === 'auto' ? defaultAggregation(config.algorithm) : config.loss.aggregation;
}

/**
 * The reward module's config (src/reward) for this run. Its group-advantage switch follows the
 * algorithm: drgrpo → mean only; otherwise mean/std (RLOO and PPO compute their own advantages
 * from the rewards and ignore it).
 */
export function rewardConfigFor(config: TrainConfig): RewardConfig {
  return { ...config.reward, advantage: config.algorithm === 'drgrpo' ? 'drgrpo' : 'grpo' };
}

/** Every leaf key path of the schema (schedules and lists count as leaves), for docs and CLI help. */
export function configKeyPaths(): string[] {
  const out: string[] = [];
  const walk = (schema: Schema, prefix: string) => {
    for (const [k, s] of Object.entries((schema.properties as Record<string, Schema>) ?? {})) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (s.properties) walk(s, path);
      else out.push(path);
    }
  };
  walk(CONFIG_SCHEMA as unknown as Schema, '');
  return out;
}

/** Description of a key from the schema (for `--help` texts). */
export function describeKey(path: string): string {
  return String(schemaAt(path.split('.')).description ?? '');
}
