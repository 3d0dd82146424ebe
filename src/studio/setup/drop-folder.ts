// The files of a folder dropped on the page (drag-and-drop gives FileSystemEntry objects that must
// be walked; a plain file drop gives the files directly).
interface Entry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  file?(ok: (f: File) => void, fail: (e: unknown) => void): void;
  createReader?(): { readEntries(ok: (e: Entry[]) => void, fail: (e: unknown) => void): void };
}

async function walk(entry: Entry, out: File[]): Promise<void> {
  if (entry.isFile && entry.file) {
    out.push(await new Promise<File>((ok, fail) => entry.file!(ok, fail)));
    return;
  }
  if (!entry.isDirectory || !entry.createReader) return;
  const reader = entry.createReader();
  // readEntries returns the listing in batches until an empty one.
  for (;;) {
    const batch = await new Promise<Entry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (!batch.length) break;
    for (const e of batch) await walk(e, out);
  }
}

export async function filesFromDrop(data: DataTransfer): Promise<{ files: File[]; name: string }> {
  const entries = [...data.items]
    .map((i) => (i.webkitGetAsEntry?.() ?? null) as unknown as Entry | null)
    .filter((e): e is Entry => e !== null);
  const files: File[] = [];
  if (entries.length) for (const e of entries) await walk(e, files);
  else files.push(...data.files);
  if (!files.length) throw new Error('Nothing was dropped that could be read: drop a model folder (config.json, *.safetensors, tokenizer.json).');
  const folder = entries.find((e) => e.isDirectory);
  return { files, name: folder?.name ?? 'dropped files' };
}
