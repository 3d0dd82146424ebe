// A small ONNX graph builder: collects initializers, nodes, inputs and outputs and serialises a
// ModelProto with protobufjs. Enough for the project's own exported encoders (float32 graphs).
import { AttributeType, ModelProto, OnnxDataType } from './schema.ts';

export type Dim = number | string; // a fixed size or a symbolic one ("batch", "frames")
export type AttributeValue = number | number[] | string | { ints: number[] } | { floats: number[] } | { float: number };

interface TensorMessage {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

function rawFloat32(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true); // ONNX raw_data is little-endian
  return bytes;
}

function rawInt64(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return bytes;
}

function attribute(name: string, value: AttributeValue): Record<string, unknown> {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`onnx: attribute ${name} = ${value}: use { float: x } for float attributes`);
    return { name, type: AttributeType.INT, i: value };
  }
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: value.ints };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: value.floats };
  return { name, type: AttributeType.FLOAT, f: value.float };
}

function valueInfo(name: string, dims: readonly Dim[]): Record<string, unknown> {
  return {
    name,
    type: {
      tensorType: {
        elemType: OnnxDataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export class OnnxGraphBuilder {
  private readonly nodes: Record<string, unknown>[] = [];
  private readonly initializers: TensorMessage[] = [];
  private readonly inputs: Record<string, unknown>[] = [];
  private readonly outputs: Record<string, unknown>[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly opset = 17) {}

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`onnx: value name "${name}" is used twice`);
    this.names.add(name);
    return name;
  }

  input(name: string, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), dims));
    return name;
  }

  output(name: string, dims: readonly Dim[]): void {
    if (!this.names.has(name)) throw new Error(`onnx: output "${name}" is not produced by any node`);
    this.outputs.push(valueInfo(name, dims));
  }

  /** A float32 constant (weights); `values` length must equal the product of `dims`. */
  constant(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new Error(`onnx: constant ${name} has ${values.length} values for shape [${dims.join(', ')}] (${size})`);
    this.initializers.push({ name: this.claim(name), dims: [...dims], dataType: OnnxDataType.FLOAT, rawData: rawFloat32(values) });
    return name;
  }

  /** An int64 constant (shapes, axes). */
  constantInt64(name: string, values: readonly number[]): string {
    this.initializers.push({ name: this.claim(name), dims: [values.length], dataType: OnnxDataType.INT64, rawData: rawInt64(values) });
    return name;
  }

  /** Adds a node; returns its output names (auto-named unless given). */
  node(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, outputs?: readonly string[]): string[] {
    for (const input of inputs) if (input !== '' && !this.names.has(input)) throw new Error(`onnx: ${opType} reads "${input}", which nothing defines yet`);
    const outs = (outputs ?? [`${opType.toLowerCase()}_${this.counter}`]).map((n) => this.claim(n));
    this.nodes.push({
      name: `${opType}_${this.counter++}`,
      opType,
      input: [...inputs],
      output: outs,
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** Serialises the model (IR version 8, default ONNX domain at `opset`). */
  build(meta: { graphName: string; producer?: string; docString?: string; metadata?: Record<string, string> }): Uint8Array {
    if (this.outputs.length === 0) throw new Error('onnx: the graph has no outputs');
    const model = {
      irVersion: 8,
      producerName: meta.producer ?? 'tarl-studio',
      producerVersion: '0.1.0',
      opsetImport: [{ domain: '', version: this.opset }],
      docString: meta.docString ?? '',
      metadataProps: Object.entries(meta.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: { name: meta.graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    };
    const problem = ModelProto.verify(model);
    if (problem) throw new Error(`onnx: invalid model message: ${problem}`);
    return ModelProto.encode(ModelProto.fromObject(model)).finish();
  }
}
