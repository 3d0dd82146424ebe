// Embedding gather: out[t, :] = table[tokens[t], :] for the tokens whose id falls in this chunk of the
// table (rows row0 .. row0+rows); a table split over several buffers takes one dispatch per chunk.
// The table is u32 words: f16 packed two per word, or f32 bits (WEIGHT_F16 = false).
struct Params { T: u32, D: u32, row0: u32, rows: u32, row_words: u32 }

override WEIGHT_F16: bool = true;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read> table: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.T * p.D) { return; }
  let t = i / p.D;
  let d = i % p.D;
  let id = tokens[t];
  if (id < p.row0 || id >= p.row0 + p.rows) { return; }
  let base = (id - p.row0) * p.row_words;
  if (WEIGHT_F16) {
    let pair = unpack2x16float(table[base + d / 2u]);
    out[i] = select(pair.x, pair.y, (d & 1u) == 1u);
  } else {
    out[i] = bitcast<f32>(table[base + d]);
  }
}
