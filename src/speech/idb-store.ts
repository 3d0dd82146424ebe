// IndexedDB backing for the speech cache in the studio (browser / worker only), through `idb`.
import { openDB, type IDBPDatabase } from 'idb';
import type { AudioStore } from './cache.ts';

const STORE = 'audio';

export class IdbAudioStore implements AudioStore {
  private db: Promise<IDBPDatabase> | undefined;

  constructor(private readonly dbName = 'tarl-speech-cache') {}

  private open(): Promise<IDBPDatabase> {
    this.db ??= openDB(this.dbName, 1, {
      upgrade(db) {
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
      },
    });
    return this.db;
  }

  async get(key: string): Promise<Float32Array | undefined> {
    const value: unknown = await (await this.open()).get(STORE, key);
    return value instanceof Float32Array ? value : undefined;
  }

  async put(key: string, audio: Float32Array): Promise<void> {
    await (await this.open()).put(STORE, audio, key);
  }
}
