// General strided matrix product for the backward pass (and LoRA's small products):
//   C[m, n] = alpha · Σ_k A(m, k) · B(k, n) + beta · C[m, n]
// with A(m, k) = A[aOff + m·sAm + k·sAk] and B(k, n) = B[bOff + k·sBk + n·sBn], so one kernel covers
// dx = dy·W (B = W as stored), dW = dyᵀ·x (A transposed), x·Aᵀ and accumulation into gradients.
// B is read as u32 words: f32 bits, or (b_f16 = 1) IEEE halves packed two per word, element e in
// half e & 1 of word e >> 1 (the engine's f16 weight layout; strides then count halves).
// beta = 0 never reads C (it may hold garbage or NaN). 64×64 tile per workgroup, 4×4 per thread.
struct Params {
  M: u32, N: u32, K: u32, a_off: u32,
  s_am: u32, s_ak: u32, b_off: u32, s_bk: u32,
  s_bn: u32, c_off: u32, ldc: u32, b_f16: u32,
  alpha: f32, beta: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<u32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

const TM = 64u;
const TN = 64u;
const TK = 16u;
const THREADS = 256u;

var<workgroup> As: array<f32, 1024>; // [k][m]
var<workgroup> Bs: array<f32, 1024>; // [k][n]

fn b_at(e: u32) -> f32 {
  if (p.b_f16 != 0u) {
    let pair = unpack2x16float(B[e >> 1u]);
    return select(pair.x, pair.y, (e & 1u) == 1u);
  }
  return bitcast<f32>(B[e]);
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let row0 = wg.y * TM;
  let col0 = wg.x * TN;
  var acc: array<vec4f, 4>;

  for (var k0 = 0u; k0 < p.K; k0 += TK) {
    for (var s = 0u; s < 4u; s++) {
      let idx = li + s * THREADS;
      // A tile: consecutive threads walk k (coalesced when A is row-major in k).
      let ar = idx / TK;
      let ak = idx % TK;
      var va = 0.0;
      if (row0 + ar < p.M && k0 + ak < p.K) { va = A[p.a_off + (row0 + ar) * p.s_am + (k0 + ak) * p.s_ak]; }
      As[ak * TM + ar] = va;
      // B tile: consecutive threads walk n.
      let bk = idx / TN;
      let bn = idx % TN;
      var vb = 0.0;
      if (k0 + bk < p.K && col0 + bn < p.N) { vb = b_at(p.b_off + (k0 + bk) * p.s_bk + (col0 + bn) * p.s_bn); }
      Bs[bk * TN + bn] = vb;
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
        let at = p.c_off + row * p.ldc + col;
        var v = p.alpha * acc[i][j];
        if (p.beta != 0.0) { v += p.beta * C[at]; }
        C[at] = v;
      }
    }
  }
}
