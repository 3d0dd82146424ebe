// The optimizer's guard and clipping, decided on the GPU (no CPU round trip before the update):
//   partial:  partials[wg] = Σ g² over a strided slice of the flat gradient buffer
//   finalize: one workgroup sums the partials, then thread 0 writes the step's control record:
//             skip when the loss or the norm is not finite; else step += 1, clip scale, bias corrections.
// control (f32): [0] apply (1/0), [1] grad scale, [2] 1 − β1^t, [3] 1 − β2^t, [4] t (applied steps),
//                [5] ‖g‖, [6] loss, [7] skipped steps.
struct Params { n: u32, parts: u32, max_norm: f32, beta1: f32, beta2: f32, _p0: u32, _p1: u32, _p2: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
@group(0) @binding(3) var<storage, read_write> control: array<f32>;
@group(0) @binding(4) var<storage, read> loss: array<f32>;

const WG = 256u;
var<workgroup> red: array<f32, WG>;

fn finite(x: f32) -> bool {
  // Bit test: WGSL compilers may assume finite math, so x != x style checks are not reliable.
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

@compute @workgroup_size(256)
fn partial(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var i = wg.x * WG + li; i < p.n; i += p.parts * WG) {
    let g = grads[i];
    s += g * g;
  }
  red[li] = s;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (li < k) { red[li] += red[li + k]; }
    workgroupBarrier();
  }
  if (li == 0u) { partials[wg.x] = red[0]; }
}

@compute @workgroup_size(256)
fn finalize(@builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var i = li; i < p.parts; i += WG) { s += partials[i]; }
  red[li] = s;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (li < k) { red[li] += red[li + k]; }
    workgroupBarrier();
  }
  if (li != 0u) { return; }
  let norm = sqrt(red[0]);
  let l = loss[0];
  control[5] = norm;
  control[6] = l;
  if (!finite(norm) || !finite(l) || !finite(red[0])) {
    control[0] = 0.0;
    control[1] = 0.0;
    control[7] = control[7] + 1.0;
    return;
  }
  let t = control[4] + 1.0;
  control[4] = t;
  control[0] = 1.0;
  var scale = 1.0;
  if (p.max_norm > 0.0) { scale = min(1.0, p.max_norm / (norm + 1e-6)); }
  control[1] = scale;
  control[2] = 1.0 - pow(p.beta1, t);
  control[3] = 1.0 - pow(p.beta2, t);
}
