// C = A · Bᵀ (+ bias), f32.  A: M×K, B: N×K, C: M×N, all row-major.
// This is the layout of every linear layer (x · Wᵀ with W stored out×in, as in HF checkpoints).
// Tiling: a 64×64 block of C per workgroup of 16×16 threads, each thread a 4×4 register block;
// K is walked in slices of 16 staged through workgroup memory. Out-of-range rows/cols read as 0
// and are never written, so any M, N, K works.
struct Params { M: u32, N: u32, K: u32, has_bias: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> C: array<f32>;

const TM = 64u;
const TN = 64u;
const TK = 16u;
const THREADS = 256u;

var<workgroup> As: array<f32, 1024>; // [k][m], TK × TM
var<workgroup> Bs: array<f32, 1024>; // [k][n], TK × TN

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let row0 = wg.y * TM;
  let col0 = wg.x * TN;
  var acc: array<vec4f, 4>; // acc[i][j]: row lid.y*4+i, col lid.x*4+j

  for (var k0 = 0u; k0 < p.K; k0 += TK) {
    // 1024 elements of each tile, 4 per thread; consecutive threads read consecutive k (coalesced).
    for (var s = 0u; s < 4u; s++) {
      let idx = li + s * THREADS;
      let r = idx / TK;
      let kk = idx % TK;
      let gk = k0 + kk;
      let ga = row0 + r;
      let gb = col0 + r;
      var va = 0.0;
      var vb = 0.0;
      if (ga < p.M && gk < p.K) { va = A[ga * p.K + gk]; }
      if (gb < p.N && gk < p.K) { vb = B[gb * p.K + gk]; }
      As[kk * TM + r] = va;
      Bs[kk * TN + r] = vb;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let ab = kk * TM + lid.y * 4u;
      let bb = kk * TN + lid.x * 4u;
      let b = vec4f(Bs[bb], Bs[bb + 1u], Bs[bb + 2u], Bs[bb + 3u]);
      acc[0] += As[ab] * b;
      acc[1] += As[ab + 1u] * b;
      acc[2] += As[ab + 2u] * b;
      acc[3] += As[ab + 3u] * b;
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let row = row0 + lid.y * 4u + i;
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + lid.x * 4u + j;
      if (row < p.M && col < p.N) {
        var v = acc[i][j];
        if (p.has_bias != 0u) { v += bias[col]; }
        C[row * p.N + col] = v;
      }
    }
  }
}
