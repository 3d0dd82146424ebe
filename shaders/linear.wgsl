// Linear layer C[:, col0 .. col0+N) (+)= A' · Wᵀ (+ bias), with W stored as u32 words:
// f16 weights packed two per word (unpack2x16float, no shader-f16 needed) or f32 weights as raw bits.
// W: N rows × row_words words (one chunk of a weight matrix that may be split across buffers);
// C: M × ldc f32 (this chunk writes columns col0 .. col0+N).
// A' is the input after an optional fused prologue (a_mode), which saves decode a dispatch each:
//   0: A' = A (M × K);
//   1: A' = RMSNorm(A) with weights aux (K): computed as ((A ⊙ aux) · Wᵀ) · rsqrt(mean(A²) + eps),
//      the row's sum of squares gathered in the same pass (gemv entry points only);
//   2: A' = silu(gate) ⊙ up with A the fused gate|up rows (M × 2K: gate columns, then up).
// Entry points: `tiled` (64×64 blocks, prefill; a_mode 0 or 2), `gemv` (M ≤ 8, decode: every weight
// word is read once for all M rows, since batched decode is bound by weight bandwidth), and
// `gemv_serial` (no barriers, for CPU-emulated adapters where barriers cost milliseconds).
struct Params {
  M: u32, N: u32, K: u32,
  flags: u32,       // bit 0: add bias[col0 + n]; bit 1: accumulate into C (residual add)
  ldc: u32, col0: u32, row_words: u32,
  m0: u32,          // gemv_serial: first row of A and C (rows m0 .. m0+M)
  eps: f32,         // a_mode 1
}

override WEIGHT_F16: bool = true;
// A pipeline constant rather than a uniform so each variant compiles without per-element branches.
override A_MODE: u32 = 0u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<u32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> C: array<f32>;
@group(0) @binding(5) var<storage, read> aux: array<f32>;

fn w_at(n: u32, k: u32) -> f32 {
  if (WEIGHT_F16) {
    let pair = unpack2x16float(W[n * p.row_words + k / 2u]);
    return select(pair.x, pair.y, (k & 1u) == 1u);
  }
  return bitcast<f32>(W[n * p.row_words + k]);
}

// Weights k = 2j, 2j+1 of row n (2j+1 < K).
fn w_pair(n: u32, j: u32) -> vec2f {
  if (WEIGHT_F16) { return unpack2x16float(W[n * p.row_words + j]); }
  let b = n * p.row_words + 2u * j;
  return vec2f(bitcast<f32>(W[b]), bitcast<f32>(W[b + 1u]));
}

// A'[m, k] (before the RMSNorm row scale of a_mode 1). a_mode is the A_MODE constant.
fn a_at(m: u32, k: u32) -> f32 {
  if (A_MODE == 2u) {
    let g = A[m * 2u * p.K + k];
    return g / (1.0 + exp(-g)) * A[m * 2u * p.K + p.K + k];
  }
  let v = A[m * p.K + k];
  if (A_MODE == 1u) { return v * aux[k]; }
  return v;
}

// The raw input, for the RMSNorm sum of squares (a_mode 1).
fn a_raw(m: u32, k: u32) -> f32 {
  return A[m * p.K + k];
}

fn store(row: u32, col: u32, v: f32) {
  var r = v;
  if ((p.flags & 1u) != 0u) { r += bias[p.col0 + col]; }
  let i = row * p.ldc + p.col0 + col;
  if ((p.flags & 2u) != 0u) { r += C[i]; }
  C[i] = r;
}

fn norm_scale(sum_sq: f32) -> f32 {
  return select(1.0, inverseSqrt(sum_sq / f32(p.K) + p.eps), A_MODE == 1u);
}

const TM = 64u;
const TN = 64u;
const TK = 16u;
const THREADS = 256u;

var<workgroup> As: array<f32, 1024>; // [k][m]
var<workgroup> Bs: array<f32, 1024>; // [k][n]

@compute @workgroup_size(16, 16)
fn tiled(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u,
         @builtin(local_invocation_index) li: u32) {
  let row0 = wg.y * TM;
  let col0 = wg.x * TN;
  var acc: array<vec4f, 4>;
  for (var k0 = 0u; k0 < p.K; k0 += TK) {
    for (var s = 0u; s < 4u; s++) {
      let idx = li + s * THREADS;
      let r = idx / TK;
      let kk = idx % TK;
      let gk = k0 + kk;
      var va = 0.0;
      var vb = 0.0;
      if (row0 + r < p.M && gk < p.K) { va = a_at(row0 + r, gk); }
      if (col0 + r < p.N && gk < p.K) { vb = w_at(col0 + r, gk); }
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
      if (row < p.M && col < p.N) { store(row, col, acc[i][j]); }
    }
  }
}

const GROWS = 4u;     // weight rows per workgroup
const LANES = 64u;    // threads per weight row

// Batch rows 0-3 and 4-7 of every lane: dot products, then sums of squares (a_mode 1).
var<workgroup> partial: array<vec4f, 1024>; // [GROWS][LANES][lo, hi, sq_lo, sq_hi]

fn a4(rows: vec4u, k: u32) -> vec4f {
  return vec4f(a_at(rows.x, k), a_at(rows.y, k), a_at(rows.z, k), a_at(rows.w, k));
}

fn raw4(rows: vec4u, k: u32) -> vec4f {
  return vec4f(a_raw(rows.x, k), a_raw(rows.y, k), a_raw(rows.z, k), a_raw(rows.w, k));
}

// Batch rows live in vec4 accumulators (no dynamically indexed private array, which some compilers
// spill). Rows ≥ M read row M−1 (a clamped, valid address) and are never stored.
@compute @workgroup_size(64, 4)
fn gemv(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  let n = (wg.x + wg.y * nwg.x) * GROWS + lid.y;
  let lane = lid.x;
  let last = p.M - 1u;
  let r_lo = vec4u(0u, min(1u, last), min(2u, last), min(3u, last));
  let r_hi = vec4u(min(4u, last), min(5u, last), min(6u, last), min(7u, last));
  let norm = A_MODE == 1u;
  var lo = vec4f(0.0);
  var hi = vec4f(0.0);
  var sq_lo = vec4f(0.0);
  var sq_hi = vec4f(0.0);
  if (n < p.N) {
    let pairs = p.K / 2u;
    for (var j = lane; j < pairs; j += LANES) {
      let w = w_pair(n, j);
      let k = 2u * j;
      lo += a4(r_lo, k) * w.x + a4(r_lo, k + 1u) * w.y;
      if (norm) { let x0 = raw4(r_lo, k); let x1 = raw4(r_lo, k + 1u); sq_lo += x0 * x0 + x1 * x1; }
      if (p.M > 4u) {
        hi += a4(r_hi, k) * w.x + a4(r_hi, k + 1u) * w.y;
        if (norm) { let x0 = raw4(r_hi, k); let x1 = raw4(r_hi, k + 1u); sq_hi += x0 * x0 + x1 * x1; }
      }
    }
    if ((p.K & 1u) == 1u && lane == 0u) {
      let k = p.K - 1u;
      let w = w_at(n, k);
      lo += a4(r_lo, k) * w;
      hi += a4(r_hi, k) * w;
      if (norm) { let x0 = raw4(r_lo, k); let x1 = raw4(r_hi, k); sq_lo += x0 * x0; sq_hi += x1 * x1; }
    }
  }
  let base = (lid.y * LANES + lane) * 4u;
  partial[base] = lo;
  partial[base + 1u] = hi;
  partial[base + 2u] = sq_lo;
  partial[base + 3u] = sq_hi;
  workgroupBarrier();
  // Lane m sums the 64 partials of batch row m (one barrier instead of a log-depth tree).
  if (n < p.N && lane < p.M) {
    var s = 0.0;
    var sq = 0.0;
    let half = lane / 4u;
    let c = lane % 4u;
    for (var l = 0u; l < LANES; l++) {
      let b = (lid.y * LANES + l) * 4u;
      s += partial[b + half][c];
      sq += partial[b + 2u + half][c];
    }
    store(lane, n, s * norm_scale(sq));
  }
}

@compute @workgroup_size(64)
fn gemv_serial(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = gid.x + gid.y * nwg.x * 64u;
  if (n >= p.N) { return; }
  let last = p.M - 1u;
  let r_lo = vec4u(0u, min(1u, last), min(2u, last), min(3u, last)) + p.m0;
  let r_hi = vec4u(min(4u, last), min(5u, last), min(6u, last), min(7u, last)) + p.m0;
  let norm = A_MODE == 1u;
  var lo = vec4f(0.0);
  var hi = vec4f(0.0);
  var sq_lo = vec4f(0.0);
  var sq_hi = vec4f(0.0);
  for (var k = 0u; k < p.K; k++) {
    let w = w_at(n, k);
    lo += a4(r_lo, k) * w;
    if (norm) { let x = raw4(r_lo, k); sq_lo += x * x; }
    if (p.M > 4u) {
      hi += a4(r_hi, k) * w;
      if (norm) { let x = raw4(r_hi, k); sq_hi += x * x; }
    }
  }
  for (var m = 0u; m < p.M; m++) {
    let q = m % 4u;
    let v = select(hi[q], lo[q], m < 4u);
    store(p.m0 + m, n, v * norm_scale(select(sq_hi[q], sq_lo[q], m < 4u)));
  }
}
