// JSON-lines metrics log for Node: one event per line, appended synchronously so lines stay whole
// and in order even if the process dies between steps.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MetricEvent } from './metrics.ts';

export class JsonlWriter {
  /** @param truncate start a fresh file instead of appending (a new run, not a resume). */
  constructor(readonly path: string, truncate = false) {
    mkdirSync(dirname(path), { recursive: true });
    if (truncate || !existsSync(path)) writeFileSync(path, '');
  }

  write(event: MetricEvent): void {
    appendFileSync(this.path, `${JSON.stringify(event)}\n`);
  }

  /** Replaces the file's content (used on resume to drop events after the checkpoint). */
  rewrite(events: readonly MetricEvent[]): void {
    writeFileSync(this.path, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  }
}

export interface JsonlRead {
  events: MetricEvent[];
  /** A last line cut off mid-write (no newline, not valid JSON) is dropped and reported here. */
  truncatedTail: string | null;
}

export function readJsonl(path: string): JsonlRead {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const tail = lines.pop()!; // '' when the file ends with a newline
  const events = lines.map((line, i) => {
    try {
      return JSON.parse(line) as MetricEvent;
    } catch (e) {
      throw new Error(`${path}:${i + 1}: not a JSON event (${(e as Error).message})`);
    }
  });
  if (tail === '') return { events, truncatedTail: null };
  try {
    events.push(JSON.parse(tail) as MetricEvent);
    return { events, truncatedTail: null };
  } catch {
    return { events, truncatedTail: tail };
  }
}
