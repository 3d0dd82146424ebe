// A run export as a real folder (run.json, *.jsonl, checkpoints/step-N/<PEFT adapter files>):
// written through the File System Access API (a picked folder, or OPFS in tests), and read back
// from a folder picked with <input webkitdirectory>.
import type { RunFile } from './export.ts';

/** Writes the files under `dir`, creating sub-folders; returns the number of bytes written. */
export async function writeRunFolder(dir: FileSystemDirectoryHandle, files: readonly RunFile[]): Promise<number> {
  let total = 0;
  for (const f of files) {
    const parts = f.path.split('/');
    if (parts.some((p) => !p || p === '.' || p === '..')) throw new Error(`export: refusing the path "${f.path}"`);
    let d = dir;
    for (const p of parts.slice(0, -1)) d = await d.getDirectoryHandle(p, { create: true });
    const w = await (await d.getFileHandle(parts[parts.length - 1], { create: true })).createWritable();
    await w.write(f.bytes.slice().buffer as ArrayBuffer);
    await w.close();
    total += f.bytes.byteLength;
  }
  return total;
}

/**
 * Files picked from a folder (<input webkitdirectory> gives paths "folder/run.json", ...): the common
 * top folder is stripped so paths match an export's layout.
 */
export async function runFilesFromPicked(files: ArrayLike<File>): Promise<RunFile[]> {
  const list = Array.from(files);
  if (!list.length) throw new Error('import: no files were picked');
  const paths = list.map((f) => (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name);
  const tops = new Set(paths.map((p) => (p.includes('/') ? p.split('/')[0] : '')));
  const strip = tops.size === 1 && !tops.has('') ? [...tops][0].length + 1 : 0;
  return Promise.all(list.map(async (f, i) => ({ path: paths[i].slice(strip), bytes: new Uint8Array(await f.arrayBuffer()) })));
}
