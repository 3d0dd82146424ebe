// Audio splice, in place: rows of the token embeddings x (S × D) at <|audio_bos|>, audio pad and
// <|audio_eos|> positions are overwritten with the begin vector, the projected audio rows and the end
// vector. src[s]: −1 keep, −2 begin (markers row 0), −3 end (markers row 1), j ≥ 0 audio row j.
struct Params { S: u32, D: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> audio: array<f32>;
@group(0) @binding(3) var<storage, read> markers: array<f32>;
@group(0) @binding(4) var<storage, read> src: array<i32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.S * p.D) { return; }
  let s = i / p.D;
  let d = i % p.D;
  let source = src[s];
  if (source >= 0) {
    x[i] = audio[u32(source) * p.D + d];
  } else if (source == -2) {
    x[i] = markers[d];
  } else if (source == -3) {
    x[i] = markers[p.D + d];
  }
}
