// Writes the project's convolutional speech encoder (encoder-reference.ts) as an ONNX model:
// input "mel" [batch, nMels, frames] → output "frames" [batch, frames', E]. Opset 17, float32 weights.
import { checkConvEncoder, type ConvEncoderConfig, type ConvEncoderWeights } from '../encoder-reference.ts';
import { OnnxGraphBuilder } from './builder.ts';

/** GELU (tanh form) as ONNX nodes; shared by the encoder exports. */
export function geluTanhNodes(g: OnnxGraphBuilder, x: string, tag: string): string {
  // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
  const c0 = g.constant(`${tag}_c_0.044715`, [], [0.044715]);
  const c1 = g.constant(`${tag}_c_sqrt2pi`, [], [Math.sqrt(2 / Math.PI)]);
  const one = g.constant(`${tag}_c_1`, [], [1]);
  const half = g.constant(`${tag}_c_0.5`, [], [0.5]);
  const [x2] = g.node('Mul', [x, x]);
  const [x3] = g.node('Mul', [x2!, x]);
  const [inner] = g.node('Add', [x, g.node('Mul', [x3!, c0])[0]!]);
  const [t] = g.node('Tanh', g.node('Mul', [inner!, c1]));
  const [onePlus] = g.node('Add', [t!, one]);
  const [hx] = g.node('Mul', [x, half]);
  return g.node('Mul', [hx!, onePlus!])[0]!;
}

export function exportConvEncoderOnnx(c: ConvEncoderConfig, w: ConvEncoderWeights, metadata: Record<string, string> = {}): Uint8Array {
  checkConvEncoder(c, w);
  const g = new OnnxGraphBuilder(17);
  const mel = g.input('mel', ['batch', c.nMels, 'frames']);
  const conv = (x: string, W: Float64Array, b: Float64Array, cin: number, stride: number, tag: string) =>
    g.node('Conv', [x, g.constant(`${tag}.weight`, [c.channels, cin, 3], W), g.constant(`${tag}.bias`, [c.channels], b)], {
      kernel_shape: [3],
      pads: [1, 1],
      strides: [stride],
    })[0]!;
  const a1 = geluTanhNodes(g, conv(mel, w.conv1W, w.conv1B, c.nMels, 1, 'conv1'), 'gelu1');
  const a2 = geluTanhNodes(g, conv(a1, w.conv2W, w.conv2B, c.channels, 2, 'conv2'), 'gelu2');
  const [tokensFirst] = g.node('Transpose', [a2], { perm: [0, 2, 1] }); // [batch, frames', C]
  // MatMul wants [C, E]: store projW (E × C) transposed.
  const wT = new Float64Array(c.channels * c.outDim);
  for (let e = 0; e < c.outDim; e++) for (let ch = 0; ch < c.channels; ch++) wT[ch * c.outDim + e] = w.projW[e * c.channels + ch]!;
  const [proj] = g.node('MatMul', [tokensFirst!, g.constant('proj.weight_t', [c.channels, c.outDim], wT)]);
  g.node('Add', [proj!, g.constant('proj.bias', [c.outDim], w.projB)], {}, ['frames']);
  g.output('frames', ['batch', 'encoder_frames', c.outDim]);
  return g.build({
    graphName: 'tarl_conv_speech_encoder',
    docString: 'TARL Studio speech encoder: Conv1d(k3,s1)-GELU-Conv1d(k3,s2)-GELU-Linear over Whisper log-mel',
    metadata: { nMels: String(c.nMels), channels: String(c.channels), outDim: String(c.outDim), ...metadata },
  });
}
