// The listener's fast CPU forward/backward against a composition of the float64 references
// (src/reference/conv1d.ts and gelu.ts, themselves finite-difference checked; a Linear is a K = 1
// convolution), then one end-to-end finite-difference check through the CTC loss.
import { describe, expect, it } from 'vitest';
import { compare, describeComparison, rng } from '../../../src/reference/compare.ts';
import { conv1dBackward, conv1dForward } from '../../../src/reference/conv1d.ts';
import { gelu, geluBackward } from '../../../src/reference/gelu.ts';
import { initListener, listenerFrames, type ListenerConfig, type ListenerParams } from '../../../src/speech/listener/config.ts';
import { listenerBackward, listenerForward, zeroGrads } from '../../../src/speech/listener/cpu.ts';
import { ctcLoss } from '../../../src/speech/listening/ctc.ts';
import { melFirst, timeMajorMel } from '../../../src/speech/listening/features.ts';

const CONFIG: ListenerConfig = {
  nMels: 6,
  convs: [
    { channels: 5, kernel: 4, stride: 2, pad: 1 },
    { channels: 7, kernel: 3, stride: 1, pad: 1 },
  ],
  outDim: 4,
  vocab: 5,
};

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  const c = compare(a, b, tol);
  expect(c.ok, `${what}: ${describeComparison(c)}`).toBe(true);
};

/** Forward and backward by the references, keeping what the backward needs. */
function reference(c: ListenerConfig, p: ListenerParams, mel: Float32Array, T: number, dLogits: Float64Array) {
  const linear = (x: ArrayLike<number>, rows: number, cin: number, name: string, cout: number) =>
    conv1dForward({ T: rows, Cin: cin, Cout: cout, K: 1, stride: 1, pad: 0 }, x, p.get(`${name}.weight`)!, p.get(`${name}.bias`)!).y;
  const ins: { x: ArrayLike<number>; z: Float64Array; T: number; cin: number }[] = [];
  let h: ArrayLike<number> = mel;
  let t = T;
  let cin = c.nMels;
  c.convs.forEach((l, i) => {
    const { y, Tout } = conv1dForward({ T: t, Cin: cin, Cout: l.channels, K: l.kernel, stride: l.stride, pad: l.pad }, h, p.get(`conv${i}.weight`)!, p.get(`conv${i}.bias`)!);
    ins.push({ x: h, z: y, T: t, cin });
    h = gelu(y);
    t = Tout;
    cin = l.channels;
  });
  const frames = linear(h, t, cin, 'proj', c.outDim);
  const logits = linear(frames, t, c.outDim, 'ctc', c.vocab);
  const grads = new Map<string, Float64Array>();
  const lin = (x: ArrayLike<number>, cinL: number, name: string, cout: number, dy: Float64Array) => {
    const r = conv1dBackward({ T: t, Cin: cinL, Cout: cout, K: 1, stride: 1, pad: 0 }, x, p.get(`${name}.weight`)!, dy);
    grads.set(`${name}.weight`, r.dw).set(`${name}.bias`, r.db);
    return r.dx;
  };
  let dh = lin(h, cin, 'proj', c.outDim, lin(frames, c.outDim, 'ctc', c.vocab, dLogits));
  for (let i = c.convs.length - 1; i >= 0; i--) {
    const l = c.convs[i]!;
    const { x, z, T: Ti, cin: ci } = ins[i]!;
    const r = conv1dBackward({ T: Ti, Cin: ci, Cout: l.channels, K: l.kernel, stride: l.stride, pad: l.pad }, x, p.get(`conv${i}.weight`)!, geluBackward(z, dh));
    grads.set(`conv${i}.weight`, r.dw).set(`conv${i}.bias`, r.db);
    dh = r.dx;
  }
  return { frames, logits, grads };
}

describe('listener on the CPU', () => {
  const T = 29;
  const random = rng(5);
  const mel = Float32Array.from({ length: T * CONFIG.nMels }, () => random() * 2 - 1);
  const params = initListener(CONFIG, 3);
  for (const v of params.values()) for (let i = 0; i < v.length; i++) if (v[i] === 0) v[i] = (random() - 0.5) * 0.2; // non-zero biases

  it('matches the references: frame count, frames, logits and every gradient', () => {
    const a = listenerForward(CONFIG, params, mel, T);
    expect(a.Tprime).toBe(listenerFrames(CONFIG, T));
    const dLogits = Float64Array.from({ length: a.Tprime * CONFIG.vocab }, () => random() - 0.5);
    const ref = reference(CONFIG, params, mel, T, dLogits);
    close(a.frames, ref.frames, 1e-5, 'frames');
    close(a.logits, ref.logits, 1e-5, 'logits');
    const grads = zeroGrads(params);
    listenerBackward(CONFIG, params, a, dLogits, grads);
    for (const [name, g] of ref.grads) close(grads.get(name)!, g, 1e-4, name);
  });

  it('CTC loss gradient agrees with finite differences on sampled weights', () => {
    const label = [1, 3, 3, 2];
    const lossOf = (p: ListenerParams) => {
      const a = listenerForward(CONFIG, p, mel, T);
      return ctcLoss(a.logits, a.Tprime, CONFIG.vocab, label);
    };
    const a = listenerForward(CONFIG, params, mel, T);
    const grads = zeroGrads(params);
    listenerBackward(CONFIG, params, a, ctcLoss(a.logits, a.Tprime, CONFIG.vocab, label).grad, grads);
    for (const name of ['conv0.weight', 'conv1.bias', 'proj.weight', 'ctc.bias']) {
      const p = params.get(name)!;
      for (const i of [0, Math.floor(p.length / 2), p.length - 1]) {
        const saved = p[i]!;
        const h = 1e-2;
        p[i] = saved + h;
        const up = lossOf(params).loss;
        p[i] = saved - h;
        const down = lossOf(params).loss;
        p[i] = saved;
        const fd = (up - down) / (2 * h);
        expect(Math.abs(fd - grads.get(name)![i]!), `${name}[${i}] fd ${fd} vs ${grads.get(name)![i]}`).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
      }
    }
  });
});

describe('listener exported to ONNX', () => {
  it('onnxruntime-web (wasm) gives the CPU engine\'s frames and CTC logits', async () => {
    const { exportListenerOnnx } = await import('../../../src/speech/onnx/listener-export.ts');
    const { createOnnxSession, runOnnxEncoder } = await import('../../../src/speech/onnx/runtime.ts');
    const random = rng(9);
    const params = initListener(CONFIG, 4);
    for (const v of params.values()) for (let i = 0; i < v.length; i++) if (v[i] === 0) v[i] = (random() - 0.5) * 0.2;
    const session = await createOnnxSession(exportListenerOnnx(CONFIG, params));
    for (const T of [31, 64]) {
      const mel = Float32Array.from({ length: T * CONFIG.nMels }, () => random() * 2 - 1);
      const first = melFirst(mel, T, CONFIG.nMels); // ONNX input is [nMels, frames], as Whisper's
      expect(timeMajorMel(first, T, CONFIG.nMels)).toEqual(mel);
      const a = listenerForward(CONFIG, params, mel, T);
      const frames = await runOnnxEncoder(session, first, CONFIG.nMels, T, 'frames');
      const logits = await runOnnxEncoder(session, first, CONFIG.nMels, T, 'ctc_logits');
      expect([frames.T, frames.dim, logits.dim]).toEqual([a.Tprime, CONFIG.outDim, CONFIG.vocab]);
      close(frames.frames, a.frames, 1e-4, `frames T=${T}`);
      close(logits.frames, a.logits, 1e-4, `logits T=${T}`);
    }
    await expect(runOnnxEncoder(session, new Float32Array(6 * 31), 6, 31, 'nope')).rejects.toThrow(/no output "nope"/);
  });
});
