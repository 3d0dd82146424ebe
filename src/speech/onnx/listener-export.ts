// Writes the listener (src/speech/listener) as ONNX: input "mel" [batch, nMels, frames] (Whisper's
// layout) → outputs "frames" [batch, frames', E] (for the projector) and "ctc_logits" [batch,
// frames', V] (the listening head). Opset 17, float32 weights; GELU in its tanh form as in training.
import { listenerShapes, type ListenerConfig, type ListenerParams } from '../listener/config.ts';
import { OnnxGraphBuilder } from './builder.ts';
import { geluTanhNodes } from './encoder-export.ts';

export function exportListenerOnnx(c: ListenerConfig, p: ListenerParams, metadata: Record<string, string> = {}): Uint8Array {
  for (const [name, shape] of listenerShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (p.get(name)?.length !== n) throw new Error(`listener export: parameter "${name}" must have ${n} values`);
  }
  const g = new OnnxGraphBuilder(17);
  let x = g.input('mel', ['batch', c.nMels, 'frames']);
  let cin = c.nMels;
  c.convs.forEach((l, i) => {
    const [y] = g.node('Conv', [x, g.constant(`conv${i}.weight`, [l.channels, cin, l.kernel], p.get(`conv${i}.weight`)!), g.constant(`conv${i}.bias`, [l.channels], p.get(`conv${i}.bias`)!)], {
      kernel_shape: [l.kernel],
      pads: [l.pad, l.pad],
      strides: [l.stride],
    });
    x = geluTanhNodes(g, y!, `gelu${i}`);
    cin = l.channels;
  });
  const [timeMajor] = g.node('Transpose', [x], { perm: [0, 2, 1] }); // [batch, frames', C]
  // MatMul wants [in, out]: store the (out × in) weights transposed
  const linear = (input: string, name: string, inF: number, outF: number, output: string) => {
    const w = p.get(`${name}.weight`)!;
    const wT = new Float32Array(inF * outF);
    for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) wT[i * outF + o] = w[o * inF + i]!;
    const [mm] = g.node('MatMul', [input, g.constant(`${name}.weight_t`, [inF, outF], wT)]);
    return g.node('Add', [mm!, g.constant(`${name}.bias`, [outF], p.get(`${name}.bias`)!)], {}, [output])[0]!;
  };
  const frames = linear(timeMajor!, 'proj', cin, c.outDim, 'frames');
  linear(frames, 'ctc', c.outDim, c.vocab, 'ctc_logits');
  g.output('frames', ['batch', 'encoder_frames', c.outDim]);
  g.output('ctc_logits', ['batch', 'encoder_frames', c.vocab]);
  return g.build({
    graphName: 'tarl_listener',
    docString: 'TARL Studio listener: Conv1d+GELU stack over Whisper log-mel, Linear to encoder frames, Linear CTC head',
    metadata: { nMels: String(c.nMels), outDim: String(c.outDim), vocab: String(c.vocab), convs: JSON.stringify(c.convs), ...metadata },
  });
}
