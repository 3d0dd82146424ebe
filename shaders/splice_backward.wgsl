// Backward of the audio splice. One thread per output element over three flat ranges:
//   [0, S·D)              dx: the text-embedding gradient, dy where the row was kept, 0 where spliced
//   [S·D, S·D + A·D)      daudio[j, d] = dy[audio_pos[j], d]
//   [.., + 2·D)           dmarkers[m, d] = Σ_spans dy[marker_pos[m·spans + s], d]  (m = 0 begin, 1 end)
struct Params { S: u32, D: u32, A: u32, spans: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<i32>;
@group(0) @binding(3) var<storage, read> audio_pos: array<u32>;
@group(0) @binding(4) var<storage, read> marker_pos: array<u32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<storage, read_write> daudio: array<f32>;
@group(0) @binding(7) var<storage, read_write> dmarkers: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let nx = p.S * p.D;
  let na = p.A * p.D;
  if (i < nx) {
    dx[i] = select(0.0, dy[i], src[i / p.D] == -1);
    return;
  }
  let j = i - nx;
  if (j < na) {
    daudio[j] = dy[audio_pos[j / p.D] * p.D + j % p.D];
    return;
  }
  let k = j - na;
  if (k >= 2u * p.D) { return; }
  let m = k / p.D;
  let d = k % p.D;
  var acc = 0.0;
  for (var s = 0u; s < p.spans; s++) {
    acc += dy[marker_pos[m * p.spans + s] * p.D + d];
  }
  dmarkers[k] = acc;
}
