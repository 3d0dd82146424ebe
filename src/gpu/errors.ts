// Errors the engine raises, each with one sentence saying what went wrong and what to do.

export class GpuUnavailableError extends Error {
  override name = 'GpuUnavailableError';
}

export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
  constructor(reason: string) {
    super(`The GPU device was lost (${reason}). Reload the page or restart the command; close other GPU-heavy tabs if it repeats.`);
  }
}

export class OutOfMemoryError extends Error {
  override name = 'OutOfMemoryError';
  constructor(what: string, bytes: number) {
    super(`Out of GPU memory allocating ${what} (${(bytes / 2 ** 20).toFixed(1)} MiB). Use a smaller model, batch or sequence length.`);
  }
}

export interface WgslMessage {
  type: string;
  line: number;
  column: number;
  message: string;
}

export class WgslCompileError extends Error {
  override name = 'WgslCompileError';
  constructor(
    readonly shader: string,
    readonly messages: WgslMessage[],
  ) {
    super(
      `WGSL compile error in shaders/${shader}.wgsl:\n` +
        messages.map((m) => `  ${shader}.wgsl:${m.line}:${m.column} ${m.type}: ${m.message}`).join('\n'),
    );
  }
}

export class BufferLimitError extends Error {
  override name = 'BufferLimitError';
}
