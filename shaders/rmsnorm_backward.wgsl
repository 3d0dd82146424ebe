// RMSNorm backward (one 64-thread workgroup per row of width D):
//   dx_i (+)= inv·w_i·dy_i − x_i·inv³·(Σ_j w_j·dy_j·x_j)/D,   inv = 1/sqrt(mean(x²) + eps)
// Rows may sit inside wider rows (Qwen3's per-head q/k norm over packed q|k|v): row r is group
// r % groups of line r / groups, at off + line·ld + group·D in each of x, dy, dx.
// flags: bit 0 accumulate into dx (the residual stream's gradient is already there);
//        bit 1 store inv per row (for the weight gradient, entry dw_main).
// The weight vector starts at w_off in w (Qwen3's q_norm|k_norm are packed in one buffer).
// dw_main: one thread per column i, dw[dw_off + i] += Σ_r dy·x·inv over all rows (full-weight mode).
struct Params {
  rows: u32, D: u32, flags: u32, eps: f32,
  groups: u32, x_ld: u32, x_off: u32, dy_ld: u32,
  dy_off: u32, dx_ld: u32, dx_off: u32, dw_off: u32,
  w_off: u32, _p0: u32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<storage, read_write> inv_rows: array<f32>;
@group(0) @binding(6) var<storage, read_write> dw: array<f32>;

const WG = 64u;
var<workgroup> red: array<vec2f, WG>;

fn base(r: u32, ld: u32, off: u32) -> u32 {
  return off + (r / p.groups) * ld + (r % p.groups) * p.D;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row = wg.x + wg.y * nwg.x;
  if (row >= p.rows) { return; }
  let xb = base(row, p.x_ld, p.x_off);
  let yb = base(row, p.dy_ld, p.dy_off);
  let ob = base(row, p.dx_ld, p.dx_off);
  var acc = vec2f(0.0);
  for (var i = li; i < p.D; i += WG) {
    let xi = x[xb + i];
    acc += vec2f(xi * xi, w[p.w_off + i] * dy[yb + i] * xi);
  }
  red[li] = acc;
  workgroupBarrier();
  // Flat reduction: one barrier (barriers dominate on software Vulkan, see logprob.wgsl).
  var tot = vec2f(0.0);
  for (var j = 0u; j < WG; j++) { tot += red[j]; }
  let inv = inverseSqrt(tot.x / f32(p.D) + p.eps);
  let c = inv * inv * inv * tot.y / f32(p.D);
  for (var i = li; i < p.D; i += WG) {
    var v = inv * w[p.w_off + i] * dy[yb + i] - x[xb + i] * c;
    if ((p.flags & 1u) != 0u) { v += dx[ob + i]; }
    dx[ob + i] = v;
  }
  if ((p.flags & 2u) != 0u && li == 0u) { inv_rows[row] = inv; }
}

@compute @workgroup_size(64)
fn dw_main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= p.D) { return; }
  var acc = 0.0;
  for (var r = 0u; r < p.rows; r++) { acc += dy[base(r, p.dy_ld, p.dy_off) + i] * x[base(r, p.x_ld, p.x_off) + i] * inv_rows[r]; }
  dw[p.dw_off + i] += acc;
}
