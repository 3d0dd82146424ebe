// The ONNX export path: the project's own encoder written with protobufjs, loaded and run by
// onnxruntime-web (wasm backend) in Node, checked against the float64 CPU reference.
import { beforeAll, describe, expect, it } from 'vitest';
import { compare, describeComparison, randomArray } from '../../../src/reference/compare.ts';
import { convEncoderForward, initConvEncoder, type ConvEncoderConfig } from '../../../src/speech/encoder-reference.ts';
import { audioFrameMath } from '../../../src/speech/frames.ts';
import { LogMelExtractor } from '../../../src/speech/logmel.ts';
import { OnnxGraphBuilder } from '../../../src/speech/onnx/builder.ts';
import { exportConvEncoderOnnx } from '../../../src/speech/onnx/encoder-export.ts';
import { createOnnxSession, runOnnxEncoder, type OnnxSession } from '../../../src/speech/onnx/runtime.ts';
import { ModelProto } from '../../../src/speech/onnx/schema.ts';
import { initProjector, projectorForward } from '../../../src/speech/projector-reference.ts';

const cfg: ConvEncoderConfig = { nMels: 80, channels: 24, outDim: 16 };
const weights = initConvEncoder(cfg, 5);
let bytes: Uint8Array;
let session: OnnxSession;

beforeAll(async () => {
  bytes = exportConvEncoderOnnx(cfg, weights, { trainedOn: 'nothing (random init, test)' });
  session = await createOnnxSession(bytes);
}, 60_000);

describe('ONNX export (protobufjs) → onnxruntime-web (wasm) in Node', () => {
  it('serialises a well-formed ModelProto (round trip through the schema)', () => {
    const model = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number }) as {
      irVersion: number;
      opsetImport: { version: number }[];
      graph: { input: { name: string }[]; output: { name: string }[]; initializer: { name: string; dims: number[] }[]; node: { opType: string }[] };
      metadataProps: { key: string; value: string }[];
    };
    expect(model.irVersion).toBe(8);
    expect(model.opsetImport[0]!.version).toBe(17);
    expect(model.graph.input.map((i) => i.name)).toEqual(['mel']);
    expect(model.graph.output.map((o) => o.name)).toEqual(['frames']);
    expect(model.graph.initializer.find((t) => t.name === 'conv1.weight')!.dims).toEqual([24, 80, 3]);
    expect(model.graph.node.filter((n) => n.opType === 'Conv')).toHaveLength(2);
    expect(model.metadataProps).toContainEqual({ key: 'outDim', value: '16' });
  });

  it('runs and matches the float64 reference (odd frame counts, one session, dynamic length)', async () => {
    expect(session.inputNames).toEqual(['mel']);
    for (const T of [37, 1, 100]) {
      const mel = randomArray(cfg.nMels * T, 100 + T);
      const got = await runOnnxEncoder(session, mel, cfg.nMels, T);
      const ref = convEncoderForward(cfg, weights, mel, T);
      expect(got.T).toBe(ref.T);
      expect(got.dim).toBe(cfg.outDim);
      const c = compare(got.frames, ref.frames, 1e-5);
      expect(c.ok, describeComparison(c)).toBe(true);
    }
  });

  it('audio → log-mel → ONNX encoder → projector follows the frame maths', async () => {
    const audio = randomArray(16_000 + 1_234, 9, 0.3); // 1.08 s
    const mel = new LogMelExtractor().extract(audio);
    const enc = await runOnnxEncoder(session, mel.data, mel.nMels, mel.frames);
    const math = audioFrameMath(audio.length, { stack: 4 });
    expect(mel.frames).toBe(math.melFrames);
    expect(enc.T).toBe(math.encoderFrames);
    const pcfg = { encoderDim: cfg.outDim, stack: 4, hidden: 32, modelDim: 24, eps: 1e-6 };
    const projected = projectorForward(pcfg, initProjector(pcfg, 1), enc.frames, enc.T);
    expect(projected.cache.N).toBe(math.audioTokens);
    expect(projected.tokens.length).toBe(math.audioTokens * 24);
    expect(projected.tokens.every(Number.isFinite)).toBe(true);
  });

  it('names what was wrong: bad graphs, bad tensors, bad model bytes', async () => {
    const g = new OnnxGraphBuilder();
    g.input('x', [2]);
    expect(() => g.node('Relu', ['y'])).toThrow(/reads "y"/);
    expect(() => g.constant('w', [2, 2], [1, 2, 3])).toThrow(/3 values for shape \[2, 2\]/);
    expect(() => g.input('x', [2])).toThrow(/used twice/);
    expect(() => g.build({ graphName: 'empty' })).toThrow(/no outputs/);
    await expect(createOnnxSession(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(/could not load the model/);
    await expect(runOnnxEncoder(session, new Float32Array(10), 80, 1)).rejects.toThrow(/mel has 10 values/);
  });
});
