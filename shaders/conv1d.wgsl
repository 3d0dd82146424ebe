// 1-D convolution helpers on time-major activations (row = one frame: x[t, c] at t·C + c).
// Weights are PyTorch's Conv1d layout Cout × Cin × K, i.e. a Cout × (Cin·K) matrix with column ci·K + k,
// so a convolution is im2col followed by the existing GEMM (y = cols · Wᵀ), and its input gradient is
// dcols = dy · W followed by col2im. Every entry point binds (params, src, dst) at 0..2:
//   im2col:    src = x (T × Cin),        dst = cols (Tout × Cin·K)   overwrites
//   col2im:    src = dcols (Tout × Cin·K), dst = dx (T × Cin)        overwrites (a gather, no atomics)
//   add_bias:  src = b (Cout),           dst = y (Tout × Cout)       y += b per row
//   bias_grad: src = dy (Tout × Cout),   dst = db (Cout)             db += column sums (accumulates)
struct Params { T: u32, Cin: u32, K: u32, stride: u32, pad: u32, Tout: u32, Cout: u32, _u: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

fn flat(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * 256u; }

// cols[to, ci·K + k] = x[to·stride + k − pad, ci], 0 outside 0..T−1.
@compute @workgroup_size(256)
fn im2col(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = flat(gid, nwg);
  let width = p.Cin * p.K;
  if (j >= p.Tout * width) { return; }
  let to = j / width;
  let r = j % width;
  let ci = r / p.K;
  let k = r % p.K;
  let t = i32(to * p.stride + k) - i32(p.pad);
  var v = 0.0;
  if (t >= 0 && t < i32(p.T)) { v = src[u32(t) * p.Cin + ci]; }
  dst[j] = v;
}

// dx[t, ci] = Σ_k dcols[to, ci·K + k] over the k with to·stride + k − pad = t and 0 ≤ to < Tout.
@compute @workgroup_size(256)
fn col2im(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = flat(gid, nwg);
  if (j >= p.T * p.Cin) { return; }
  let t = j / p.Cin;
  let ci = j % p.Cin;
  let width = p.Cin * p.K;
  var acc = 0.0;
  for (var k = 0u; k < p.K; k++) {
    let num = i32(t + p.pad) - i32(k); // = to·stride
    if (num < 0) { continue; }
    let n = u32(num);
    if (n % p.stride != 0u) { continue; }
    let to = n / p.stride;
    if (to >= p.Tout) { continue; }
    acc += src[to * width + ci * p.K + k];
  }
  dst[j] = acc;
}

@compute @workgroup_size(256)
fn add_bias(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = flat(gid, nwg);
  if (j >= p.Tout * p.Cout) { return; }
  dst[j] += src[j % p.Cout];
}

// One invocation per output channel walks the frames: consecutive invocations read consecutive
// channels of a row, and Cout·Tout is small next to the GEMMs around it.
@compute @workgroup_size(256)
fn bias_grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let c = flat(gid, nwg);
  if (c >= p.Cout) { return; }
  var acc = 0.0;
  for (var t = 0u; t < p.Tout; t++) { acc += src[t * p.Cout + c]; }
  dst[c] += acc;
}
