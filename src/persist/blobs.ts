// Byte storage for checkpoints: IndexedDB for small files, the Origin Private File System for large
// ones when the browser has it (OPFS avoids IndexedDB's structured-clone copies of big adapters).
import type { IDBPDatabase } from 'idb';
import type { BlobLocation } from './types.ts';

export interface BlobStore {
  readonly location: BlobLocation;
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  /** Deletes every blob whose key starts with `prefix`. */
  deletePrefix(prefix: string): Promise<void>;
}

export const BLOB_STORE_NAME = 'blobs';

export class IdbBlobStore implements BlobStore {
  readonly location = 'idb' as const;
  constructor(private readonly db: IDBPDatabase) {}
  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.db.put(BLOB_STORE_NAME, bytes.slice(), key);
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    const v = (await this.db.get(BLOB_STORE_NAME, key)) as Uint8Array | undefined;
    return v === undefined ? undefined : new Uint8Array(v);
  }
  async deletePrefix(prefix: string): Promise<void> {
    await this.db.delete(BLOB_STORE_NAME, IDBKeyRange.bound(prefix, `${prefix}\uffff`));
  }
}

/** Keys are '/'-separated paths under one OPFS folder. */
export class OpfsBlobStore implements BlobStore {
  readonly location = 'opfs' as const;
  constructor(private readonly root: FileSystemDirectoryHandle) {}

  static async open(folder = 'tarl-runs'): Promise<OpfsBlobStore | null> {
    const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
    if (!storage || typeof storage.getDirectory !== 'function') return null;
    // Safari offers OPFS but writes only through sync handles in workers: keep IndexedDB there.
    if (typeof FileSystemFileHandle === 'undefined' || !('createWritable' in FileSystemFileHandle.prototype)) return null;
    try {
      const top = await storage.getDirectory();
      return new OpfsBlobStore(await top.getDirectoryHandle(folder, { create: true }));
    } catch {
      return null; // OPFS present but refused (e.g. private mode): IndexedDB holds everything
    }
  }

  private async dirOf(key: string, create: boolean): Promise<{ dir: FileSystemDirectoryHandle; name: string } | undefined> {
    const parts = key.split('/').filter(Boolean);
    const name = parts.pop();
    if (!name) throw new Error(`blob key "${key}" has no file name`);
    let dir = this.root;
    try {
      for (const p of parts) dir = await dir.getDirectoryHandle(p, { create });
    } catch (e) {
      if ((e as DOMException).name === 'NotFoundError') return undefined;
      throw e;
    }
    return { dir, name };
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const { dir, name } = (await this.dirOf(key, true))!;
    const file = await dir.getFileHandle(name, { create: true });
    const w = await file.createWritable();
    await w.write(bytes.slice().buffer as ArrayBuffer);
    await w.close();
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const at = await this.dirOf(key, false);
    if (!at) return undefined;
    try {
      const file = await (await at.dir.getFileHandle(at.name)).getFile();
      return new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      if ((e as DOMException).name === 'NotFoundError') return undefined;
      throw e;
    }
  }

  /** Prefixes used here are whole folders ("runId/"), so removing the folder is enough. */
  async deletePrefix(prefix: string): Promise<void> {
    const folder = prefix.replace(/\/+$/, '');
    if (!folder || folder.includes('/')) throw new Error(`OPFS delete expects one top folder, got "${prefix}"`);
    await this.root.removeEntry(folder, { recursive: true }).catch((e: DOMException) => {
      if (e.name !== 'NotFoundError') throw e;
    });
  }
}
