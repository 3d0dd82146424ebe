// The listener on the GPU: the same forward/backward as cpu.ts with the WGSL conv1d (im2col + GEMM),
// GELU and GEMM kernels; Linear layers are K = 1 convolutions. Parameters and their gradients live on
// the device; gradients accumulate over utterances until read back (the optimizer runs on the CPU:
// the model has ~0.1 M parameters). Only the CTC logits cross to the CPU per utterance (the loss and
// its gradient are CPU work, ctc.ts), and the logits' gradient comes back.
import type { KernelRunner } from '../../gpu/runner.ts';
import { conv1dBackward, conv1dForward, conv1dOutLength } from '../../kernels/conv1d.ts';
import { gelu, geluBackward } from '../../kernels/gelu.ts';
import { listenerShapes, type ListenerConfig, type ListenerParams } from './config.ts';

interface Layer {
  name: string;
  Cin: number;
  Cout: number;
  K: number;
  stride: number;
  pad: number;
  act: boolean; // GELU after it
}

export class ListenerGpu {
  readonly kind = 'webgpu' as const;
  private readonly params = new Map<string, GPUBuffer>();
  private readonly grads = new Map<string, GPUBuffer>();
  private readonly scratch = new Map<string, GPUBuffer>();
  private readonly layers: Layer[];
  /** Mel frames of the last forward (the backward's lengths follow from it). */
  private lastT = 0;

  private constructor(private readonly runner: KernelRunner, readonly config: ListenerConfig) {
    let cin = config.nMels;
    this.layers = config.convs.map((l, i) => {
      const layer = { name: `conv${i}`, Cin: cin, Cout: l.channels, K: l.kernel, stride: l.stride, pad: l.pad, act: true };
      cin = l.channels;
      return layer;
    });
    this.layers.push({ name: 'proj', Cin: cin, Cout: config.outDim, K: 1, stride: 1, pad: 0, act: false });
    this.layers.push({ name: 'ctc', Cin: config.outDim, Cout: config.vocab, K: 1, stride: 1, pad: 0, act: false });
  }

  static async create(runner: KernelRunner, config: ListenerConfig, params: ListenerParams): Promise<ListenerGpu> {
    const g = new ListenerGpu(runner, config);
    for (const [name, shape] of listenerShapes(config)) {
      const n = shape.reduce((a, b) => a * b, 1);
      g.params.set(name, await runner.createBuffer(`listener.${name}`, n * 4));
      g.grads.set(name, await runner.createBuffer(`listener.d${name}`, n * 4));
    }
    g.setParams(params);
    g.zeroGrads();
    return g;
  }

  setParams(params: ListenerParams): void {
    for (const [name, buffer] of this.params) {
      const p = params.get(name);
      if (!p) throw new Error(`listener (gpu): no parameter "${name}"`);
      this.runner.write(buffer, p);
    }
  }

  zeroGrads(): void {
    for (const buffer of this.grads.values()) this.runner.write(buffer, new Float32Array(buffer.size / 4));
  }

  async readGrads(): Promise<ListenerParams> {
    const out: ListenerParams = new Map();
    for (const [name, shape] of listenerShapes(this.config)) out.set(name, await this.runner.readF32(this.grads.get(name)!, shape.reduce((a, b) => a * b, 1)));
    return out;
  }

  /** A device buffer of at least `floats`, reused across utterances. */
  private async buf(name: string, floats: number): Promise<GPUBuffer> {
    const have = this.scratch.get(name);
    if (have && have.size >= floats * 4) return have;
    have?.destroy();
    const b = await this.runner.createBuffer(`listener.${name}`, Math.ceil(floats * 1.25) * 4);
    this.scratch.set(name, b);
    return b;
  }

  /** Runs the forward pass; keeps what the backward needs. Returns the CTC logits (T' × V). */
  async forward(mel: Float32Array, T: number): Promise<{ logits: Float32Array; Tprime: number }> {
    if (mel.length !== T * this.config.nMels) throw new Error(`listener (gpu): mel has ${mel.length} values, expected ${T} × ${this.config.nMels}`);
    const r = this.runner;
    const enc = r.device.createCommandEncoder();
    let x = await this.buf('in0', mel.length);
    r.write(x, mel);
    let t = T;
    for (const [i, l] of this.layers.entries()) {
      const Tout = conv1dOutLength(t, l.K, l.stride, l.pad);
      if (Tout < 1) throw new Error(`listener (gpu): ${T} mel frames are too few for ${l.name}`);
      const cols = await this.buf(`cols${i}`, Tout * l.Cin * l.K);
      const z = await this.buf(`z${i}`, Tout * l.Cout);
      await conv1dForward(r, { T: t, Cin: l.Cin, Cout: l.Cout, K: l.K, stride: l.stride, pad: l.pad, x, w: this.params.get(`${l.name}.weight`)!, b: this.params.get(`${l.name}.bias`)!, cols, y: z }, enc);
      let out = z;
      if (l.act) {
        out = await this.buf(`in${i + 1}`, Tout * l.Cout);
        await gelu(r, z, out, Tout * l.Cout, enc);
      }
      x = out;
      t = Tout;
    }
    r.device.queue.submit([enc.finish()]);
    this.lastT = T;
    return { logits: await r.readF32(x, t * this.config.vocab), Tprime: t };
  }

  /** Accumulates the gradients of the last forward for d loss / d logits. */
  async backward(dLogits: Float32Array): Promise<void> {
    const r = this.runner;
    const enc = r.device.createCommandEncoder();
    // lengths per layer, as in forward
    const lens = [this.lastT];
    for (const l of this.layers) lens.push(conv1dOutLength(lens.at(-1)!, l.K, l.stride, l.pad));
    let dy = await this.buf('dy', dLogits.length);
    r.write(dy, dLogits);
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const l = this.layers[i]!;
      const [Tin, Tout] = [lens[i]!, lens[i + 1]!];
      if (l.act) {
        const dz = await this.buf(`dz${i}`, Tout * l.Cout);
        await geluBackward(r, this.scratch.get(`z${i}`)!, dy, dz, Tout * l.Cout, enc);
        dy = dz;
      }
      const dx = i > 0 ? await this.buf(`dx${i}`, Tin * l.Cin) : undefined;
      await conv1dBackward(r, {
        T: Tin, Cin: l.Cin, Cout: l.Cout, K: l.K, stride: l.stride, pad: l.pad,
        w: this.params.get(`${l.name}.weight`)!, cols: this.scratch.get(`cols${i}`)!, dy,
        dw: this.grads.get(`${l.name}.weight`)!, db: this.grads.get(`${l.name}.bias`)!,
        ...(dx ? { dx, dcols: this.scratch.get(`cols${i}`)! } : {}),
      }, enc);
      if (dx) dy = dx;
    }
    r.device.queue.submit([enc.finish()]);
  }

  dispose(): void {
    for (const b of [...this.params.values(), ...this.grads.values(), ...this.scratch.values()]) b.destroy();
  }
}
