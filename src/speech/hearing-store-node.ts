// Node persistence for heard frames (HearingStore): one binary file per key under `.cache/hearing/`.
// Every read is validated (magic, version, key, sizes, payload SHA-256, finite values); a damaged or
// foreign file reads as a miss and is removed, so the caller re-computes and writes it again.
// Node-only: never import this from browser modules.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join, resolve } from 'node:path';
import type { HeardFrames, HearingStore } from './hearing.ts';

export const DEFAULT_HEARING_CACHE_DIR = '.cache/hearing';

// Layout (little-endian): "TARLHEAR" · u32 version · u32 T · u32 dim · u32 samples · u32 keyBytes ·
// 32-byte SHA-256 of the payload · key (UTF-8, zero-padded to 4 bytes) · T × dim float32 payload.
const MAGIC = 'TARLHEAR';
const FORMAT_VERSION = 1;
const FIXED = 8 + 5 * 4 + 32;

const pad4 = (n: number) => (n + 3) & ~3;
const sha256 = (bytes: Uint8Array) => new Uint8Array(createHash('sha256').update(bytes).digest());

export function encodeHeardFrames(key: string, v: HeardFrames): Uint8Array {
  if (endianness() !== 'LE') throw new Error('hearing store: only little-endian hosts are supported');
  const keyBytes = new TextEncoder().encode(key);
  const payload = new Uint8Array(v.frames.buffer, v.frames.byteOffset, v.frames.byteLength);
  const head = FIXED + pad4(keyBytes.length);
  const out = new Uint8Array(head + payload.length);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  [FORMAT_VERSION, v.T, v.dim, v.samples, keyBytes.length].forEach((x, i) => view.setUint32(8 + 4 * i, x, true));
  out.set(sha256(payload), 28);
  out.set(keyBytes, FIXED);
  out.set(payload, head);
  return out;
}

/** The entry, or the reason the bytes are not a valid entry for `key`. */
export function decodeHeardFrames(key: string, bytes: Uint8Array): HeardFrames | string {
  if (bytes.length < FIXED) return `${bytes.length} bytes is shorter than the header`;
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) return 'not a hearing cache file (bad magic)';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [version, T, dim, samples, keyLength] = [0, 1, 2, 3, 4].map((i) => view.getUint32(8 + 4 * i, true)) as [number, number, number, number, number];
  if (version !== FORMAT_VERSION) return `format version ${version}, expected ${FORMAT_VERSION}`;
  const head = FIXED + pad4(keyLength);
  if (bytes.length < head) return 'truncated key';
  const storedKey = new TextDecoder().decode(bytes.subarray(FIXED, FIXED + keyLength));
  if (storedKey !== key) return `holds key ${storedKey.slice(0, 16)}…, not ${key.slice(0, 16)}…`;
  const want = head + T * dim * 4;
  if (bytes.length !== want) return `${bytes.length} bytes, the header says ${want} (T ${T} × dim ${dim})`;
  const payload = bytes.slice(head); // a copy: aligned, and detached from the file buffer
  const digest = sha256(payload);
  if (!digest.every((b, i) => b === bytes[28 + i])) return 'payload checksum mismatch';
  const frames = new Float32Array(payload.buffer, 0, T * dim);
  for (let i = 0; i < frames.length; i++) if (!Number.isFinite(frames[i]!)) return `frame value ${i} is not finite`;
  return { frames, T, dim, samples };
}

export interface NodeHearingStoreOptions {
  /** Called when a file is damaged or foreign (it is then removed); default console.warn. */
  onCorrupt?: (file: string, reason: string) => void;
}

export class NodeHearingStore implements HearingStore {
  readonly root: string;

  constructor(
    dir = DEFAULT_HEARING_CACHE_DIR,
    private readonly options: NodeHearingStoreOptions = {},
  ) {
    this.root = resolve(dir);
  }

  /** Keys are SHA-256 hex in practice; anything else is hashed into a safe file name. */
  fileOf(key: string): string {
    const name = /^[A-Za-z0-9_-]{1,128}$/.test(key) ? key : createHash('sha256').update(key).digest('hex');
    return join(this.root, `${name}.frames`);
  }

  async get(key: string): Promise<HeardFrames | undefined> {
    const file = this.fileOf(key);
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const decoded = decodeHeardFrames(key, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    if (typeof decoded !== 'string') return decoded;
    if (this.options.onCorrupt) this.options.onCorrupt(file, decoded);
    else console.warn(`hearing store: ignoring ${file}: ${decoded}`);
    await rm(file, { force: true });
    return undefined;
  }

  /** Written to a temporary file and renamed into place: a reader never sees a partial entry. */
  async put(key: string, value: HeardFrames): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const file = this.fileOf(key);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, encodeHeardFrames(key, value));
      await rename(tmp, file);
    } finally {
      await rm(tmp, { force: true });
    }
  }
}
