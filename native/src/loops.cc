// Vectorised loops for what oneDNN lacks on our hot path: broadcasting binary
// ops, softmax over rows, and fused optimizer steps. OpenMP splits large work
// over the cores; -O3 -march=native lets the compiler vectorise the inner loops.
#include <omp.h>
#include <algorithm>
#include <cmath>
#include <vector>
#include <unordered_map>
#include <kiss_fftr.h>
#include "common.h"

// glibc's vector logarithm (libmvec): with this declaration GCC vectorises logf calls in `#pragma omp simd` loops
extern "C" {
#pragma omp declare simd notinbranch
float logf(float);
}

namespace specnet {

static constexpr int64_t kParallelMin = 1 << 15;  // below this, threads cost more than they save

// ---- binary ops with NumPy broadcasting ----
enum BinOp { ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, EQ, GT, LT, GE, LE };

template <int OP>
static inline float apply(float a, float b) {
  if constexpr (OP == ADD) return a + b;
  if constexpr (OP == SUB) return a - b;
  if constexpr (OP == MUL) return a * b;
  if constexpr (OP == DIV) return a / b;
  if constexpr (OP == POW) return std::pow(a, b);
  if constexpr (OP == MAXIMUM) return a > b ? a : b;
  if constexpr (OP == MINIMUM) return a < b ? a : b;
  if constexpr (OP == EQ) return a == b ? 1.f : 0.f;
  if constexpr (OP == GT) return a > b ? 1.f : 0.f;
  if constexpr (OP == LT) return a < b ? 1.f : 0.f;
  if constexpr (OP == GE) return a >= b ? 1.f : 0.f;
  return a <= b ? 1.f : 0.f;
}

/** out[o] = a[ia] ∘ b[ib] with per-axis strides (0 on broadcast axes); rows of the last axis are the inner loop. */
template <int OP>
static void binaryKernel(const float* a, const float* b, float* out, const Dims& shape, const Dims& sa, const Dims& sb) {
  const int64_t total = numel(shape);
  if (total == 0) return;
  const int r = static_cast<int>(shape.size());
  const int64_t len = r ? shape[r - 1] : 1, rows = total / len;
  const int64_t da = r ? sa[r - 1] : 0, db = r ? sb[r - 1] : 0;
#pragma omp parallel for if (total >= kParallelMin) schedule(static)
  for (int64_t row = 0; row < rows; row++) {
    int64_t rem = row, oa = 0, ob = 0;
    for (int d = r - 2; d >= 0; d--) { int64_t c = rem % shape[d]; rem /= shape[d]; oa += c * sa[d]; ob += c * sb[d]; }
    float* o = out + row * len;
    const float* pa = a + oa;
    const float* pb = b + ob;
    if (da == 1 && db == 1) for (int64_t j = 0; j < len; j++) o[j] = apply<OP>(pa[j], pb[j]);
    else if (da == 1 && db == 0) { const float bv = pb[0]; for (int64_t j = 0; j < len; j++) o[j] = apply<OP>(pa[j], bv); }
    else if (da == 0 && db == 1) { const float av = pa[0]; for (int64_t j = 0; j < len; j++) o[j] = apply<OP>(av, pb[j]); }
    else for (int64_t j = 0; j < len; j++) o[j] = apply<OP>(pa[j * da], pb[j * db]);
  }
}

static Dims bstrides(const Dims& s, const Dims& out) {
  Dims own(s.size()), r(out.size());
  int64_t acc = 1;
  for (int i = static_cast<int>(s.size()) - 1; i >= 0; i--) { own[i] = acc; acc *= s[i]; }
  size_t off = out.size() - s.size();
  for (size_t d = 0; d < out.size(); d++) r[d] = (d < off || s[d - off] == 1) ? 0 : own[d - off];
  return r;
}

// binary(op, a, aShape, b, bShape, outShape, out)
static Napi::Value Binary(const Napi::CallbackInfo& info) {
  const char* opname = "binary";
  int op = static_cast<int>(num(info, 0, opname, "op"));
  Dims as = dims(info, 2, opname, "aShape"), bs = dims(info, 4, opname, "bShape"), os = dims(info, 5, opname, "outShape");
  if (os.size() < std::max(as.size(), bs.size())) fail(info.Env(), opname, "outShape " + fmt(os) + " is of lower rank than the inputs");
  for (size_t i = 0; i < os.size(); i++) {
    auto chk = [&](const Dims& s) { size_t off = os.size() - s.size(); if (i >= off && s[i - off] != os[i] && s[i - off] != 1) fail(info.Env(), opname, fmt(as) + " and " + fmt(bs) + " do not broadcast to " + fmt(os)); };
    chk(as); chk(bs);
  }
  const float* a = f32(info, 1, opname, "a", numel(as), as);
  const float* b = f32(info, 3, opname, "b", numel(bs), bs);
  float* out = f32(info, 6, opname, "out", numel(os), os);
  Dims sa = bstrides(as, os), sb = bstrides(bs, os);
  switch (op) {
    case ADD: binaryKernel<ADD>(a, b, out, os, sa, sb); break;
    case SUB: binaryKernel<SUB>(a, b, out, os, sa, sb); break;
    case MUL: binaryKernel<MUL>(a, b, out, os, sa, sb); break;
    case DIV: binaryKernel<DIV>(a, b, out, os, sa, sb); break;
    case POW: binaryKernel<POW>(a, b, out, os, sa, sb); break;
    case MAXIMUM: binaryKernel<MAXIMUM>(a, b, out, os, sa, sb); break;
    case MINIMUM: binaryKernel<MINIMUM>(a, b, out, os, sa, sb); break;
    case EQ: binaryKernel<EQ>(a, b, out, os, sa, sb); break;
    case GT: binaryKernel<GT>(a, b, out, os, sa, sb); break;
    case LT: binaryKernel<LT>(a, b, out, os, sa, sb); break;
    case GE: binaryKernel<GE>(a, b, out, os, sa, sb); break;
    case LE: binaryKernel<LE>(a, b, out, os, sa, sb); break;
    default: fail(info.Env(), opname, "unknown op code " + std::to_string(op));
  }
  return info.Env().Undefined();
}

// ---- softmax / log-softmax over rows ----
// softmax(x, rows, cols, log, y)
static Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const char* op = "softmax";
  int64_t rows = static_cast<int64_t>(num(info, 1, op, "rows")), cols = static_cast<int64_t>(num(info, 2, op, "cols"));
  bool log = flag(info, 3);
  const float* x = f32(info, 0, op, "x", rows * cols, {rows, cols});
  float* y = f32(info, 4, op, "y", rows * cols);
#pragma omp parallel for if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    float m = -INFINITY;
    for (int64_t j = 0; j < cols; j++) m = std::max(m, xr[j]);
    double s = 0;
    for (int64_t j = 0; j < cols; j++) s += std::exp(xr[j] - m);
    if (log) { const float lse = m + static_cast<float>(std::log(s)); for (int64_t j = 0; j < cols; j++) yr[j] = xr[j] - lse; }
    else { const float inv = static_cast<float>(1.0 / s); for (int64_t j = 0; j < cols; j++) yr[j] = std::exp(xr[j] - m) * inv; }
  }
  return info.Env().Undefined();
}

// softmaxBackward(gy, y, rows, cols, log, gx)
static Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  const char* op = "softmaxBackward";
  int64_t rows = static_cast<int64_t>(num(info, 2, op, "rows")), cols = static_cast<int64_t>(num(info, 3, op, "cols"));
  bool log = flag(info, 4);
  const float* gy = f32(info, 0, op, "gy", rows * cols, {rows, cols});
  const float* y = f32(info, 1, op, "y", rows * cols, {rows, cols});
  float* gx = f32(info, 5, op, "gx", rows * cols);
#pragma omp parallel for if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; r++) {
    const float* g = gy + r * cols;
    const float* yr = y + r * cols;
    float* o = gx + r * cols;
    double s = 0;
    if (log) { for (int64_t j = 0; j < cols; j++) s += g[j]; for (int64_t j = 0; j < cols; j++) o[j] = g[j] - std::exp(yr[j]) * static_cast<float>(s); }
    else { for (int64_t j = 0; j < cols; j++) s += g[j] * yr[j]; for (int64_t j = 0; j < cols; j++) o[j] = yr[j] * (g[j] - static_cast<float>(s)); }
  }
  return info.Env().Undefined();
}

// ---- fused optimizer steps (same formulas as the reference backend's optim.ts) ----

/** The Float32Arrays of a JS array argument; entries may be null where allowNull (→ nullptr). */
static std::vector<float*> f32List(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name,
                                   std::vector<int64_t>* sizes, bool allowNull = false) {
  if (i >= info.Length() || !info[i].IsArray()) fail(info.Env(), op, std::string(name) + " must be an array of Float32Arrays");
  auto a = info[i].As<Napi::Array>();
  const bool first = sizes->empty();
  if (!first && a.Length() != sizes->size()) {
    fail(info.Env(), op, std::string(name) + " has " + std::to_string(a.Length()) + " tensors, expected " + std::to_string(sizes->size()));
  }
  std::vector<float*> out(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value v = a.Get(k);
    const std::string what = std::string(name) + "[" + std::to_string(k) + "]";
    if (allowNull && v.IsNull()) { out[k] = nullptr; continue; }
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) fail(info.Env(), op, what + " must be a Float32Array");
    auto t = v.As<Napi::Float32Array>();
    const int64_t n = static_cast<int64_t>(t.ElementLength());
    if (first) sizes->push_back(n);
    else if (n != (*sizes)[k]) fail(info.Env(), op, what + " has " + std::to_string(n) + " values, expected " + std::to_string((*sizes)[k]));
    out[k] = t.Data();
  }
  return out;
}

/**
 * body(t, lo, hi) over the tensors' values laid end to end, cut into one even share per thread: one
 * thread team for all the parameters of a model instead of one per parameter.
 */
template <class F>
static void overAll(const std::vector<int64_t>& sizes, F body) {
  int64_t total = 0;
  for (auto n : sizes) total += n;
  const int threads = total >= kParallelMin ? omp_get_max_threads() : 1;
#pragma omp parallel num_threads(threads)
  {
    const int64_t id = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t lo = total * id / nt, hi = total * (id + 1) / nt;
    int64_t base = 0;
    for (size_t t = 0; t < sizes.size() && base < hi; base += sizes[t], t++) {
      const int64_t a = std::max(lo, base), b = std::min(hi, base + sizes[t]);
      if (a < b) body(t, a - base, b - base);
    }
  }
}

// The update of n values of one parameter. Separate functions taking their scalars by value and
// restrict pointers, so the loops vectorise (inlined from a lambda, they ran scalar: 10x slower).
static void sgdRange(float* __restrict p, const float* __restrict g, float* __restrict buf, int64_t n, bool first,
                     float lr, float mu, float damp, bool nesterov, float wd) {
#pragma omp simd
  for (int64_t i = 0; i < n; i++) {
    float d = g[i] + wd * p[i];
    if (buf) { buf[i] = first ? d : mu * buf[i] + (1 - damp) * d; d = nesterov ? d + mu * buf[i] : buf[i]; }
    p[i] -= lr * d;
  }
}

static void adamRange(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v, int64_t n,
                      bool decoupled, float decay, float wd, float b1, float b2, float stepSize, float invSqrtBc2, float eps) {
#pragma omp simd
  for (int64_t i = 0; i < n; i++) {
    float gi = g[i];
    if (decoupled) p[i] *= decay; else gi += wd * p[i];
    m[i] = b1 * m[i] + (1 - b1) * gi;
    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
    p[i] -= stepSize * m[i] / (std::sqrt(v[i]) * invSqrtBc2 + eps);
  }
}

// sgdSteps([p], [g], [buf|null], [firstStep], lr, momentum, dampening, nesterov, weightDecay)
static Napi::Value SgdSteps(const Napi::CallbackInfo& info) {
  const char* op = "sgdSteps";
  std::vector<int64_t> n;
  auto ps = f32List(info, 0, op, "p", &n);
  auto gs = f32List(info, 1, op, "g", &n);
  auto bufs = f32List(info, 2, op, "buf", &n, true);
  if (info.Length() < 4 || !info[3].IsArray() || info[3].As<Napi::Array>().Length() != n.size()) fail(info.Env(), op, "firstStep must be an array with one flag per tensor");
  const auto flags = info[3].As<Napi::Array>();
  std::vector<char> firsts(n.size());
  for (uint32_t k = 0; k < n.size(); k++) firsts[k] = flags.Get(k).ToBoolean().Value();
  const float lr = num(info, 4, op, "lr"), mu = num(info, 5, op, "momentum"), damp = num(info, 6, op, "dampening");
  const bool nesterov = flag(info, 7);
  const float wd = num(info, 8, op, "weightDecay");
  overAll(n, [&](size_t t, int64_t lo, int64_t hi) { sgdRange(ps[t] + lo, gs[t] + lo, bufs[t] ? bufs[t] + lo : nullptr, hi - lo, firsts[t], lr, mu, damp, nesterov, wd); });
  return info.Env().Undefined();
}

// adamSteps([p], [g], [m], [v], lr, beta1, beta2, eps, weightDecay, decoupled, step)
static Napi::Value AdamSteps(const Napi::CallbackInfo& info) {
  const char* op = "adamSteps";
  std::vector<int64_t> n;
  auto ps = f32List(info, 0, op, "p", &n);
  auto gs = f32List(info, 1, op, "g", &n);
  auto ms = f32List(info, 2, op, "m", &n);
  auto vs = f32List(info, 3, op, "v", &n);
  const double lr = num(info, 4, op, "lr"), b1 = num(info, 5, op, "beta1"), b2 = num(info, 6, op, "beta2");
  const float eps = num(info, 7, op, "eps"), wd = num(info, 8, op, "weightDecay");
  const bool decoupled = flag(info, 9);
  const double step = num(info, 10, op, "step");
  const float stepSize = lr / (1 - std::pow(b1, step)), invSqrtBc2 = 1 / std::sqrt(1 - std::pow(b2, step));
  const float fb1 = b1, fb2 = b2, decay = 1 - lr * wd;
  overAll(n, [&](size_t t, int64_t lo, int64_t hi) {
    adamRange(ps[t] + lo, gs[t] + lo, ms[t] + lo, vs[t] + lo, hi - lo, decoupled, decay, wd, fb1, fb2, stepSize, invSqrtBc2, eps);
  });
  return info.Env().Undefined();
}

// rmspropStep(p, g, sq, buf|null, gAvg|null, lr, alpha, eps, weightDecay, momentum)
static Napi::Value RmspropStep(const Napi::CallbackInfo& info) {
  const char* op = "rmspropStep";
  float* p = f32(info, 0, op, "p", -1);
  int64_t n = info[0].As<Napi::Float32Array>().ElementLength();
  const float* g = f32(info, 1, op, "g", n);
  float* sq = f32(info, 2, op, "sq", n);
  float* buf = f32OrNull(info, 3, op, "buf", n);
  float* ga = f32OrNull(info, 4, op, "gAvg", n);
  const float lr = num(info, 5, op, "lr"), alpha = num(info, 6, op, "alpha"), eps = num(info, 7, op, "eps");
  const float wd = num(info, 8, op, "weightDecay"), mu = num(info, 9, op, "momentum");
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i] + wd * p[i];
    sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi;
    float avg = sq[i];
    if (ga) { ga[i] = alpha * ga[i] + (1 - alpha) * gi; avg -= ga[i] * ga[i]; }
    const float denom = std::sqrt(avg) + eps;
    if (buf) { buf[i] = mu * buf[i] + gi / denom; p[i] -= lr * buf[i]; }
    else p[i] -= lr * gi / denom;
  }
  return info.Env().Undefined();
}

// adagradStep(p, g, sum, lr, eps, weightDecay, lrDecay, step)
static Napi::Value AdagradStep(const Napi::CallbackInfo& info) {
  const char* op = "adagradStep";
  float* p = f32(info, 0, op, "p", -1);
  int64_t n = info[0].As<Napi::Float32Array>().ElementLength();
  const float* g = f32(info, 1, op, "g", n);
  float* sum = f32(info, 2, op, "sum", n);
  const float eps = num(info, 4, op, "eps"), wd = num(info, 5, op, "weightDecay");
  const float clr = num(info, 3, op, "lr") / (1 + (num(info, 7, op, "step") - 1) * num(info, 6, op, "lrDecay"));
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i] + wd * p[i];
    sum[i] += gi * gi;
    p[i] -= clr * gi / (std::sqrt(sum[i]) + eps);
  }
  return info.Env().Undefined();
}

// ---- max pooling, NHWC ----
// Branch-free running max with its index: with random data a branch would be
// mispredicted half the time (a 15× slower loop, measured).
static inline void takeIfGreater(float v, int32_t at, float& m, int32_t& id) {
  const int32_t mask = -static_cast<int32_t>(v > m);
  m = v > m ? v : m;
  id = (at & mask) | (id & ~mask);
}

// CC > 0: the channel count known at compile time (small C, where a runtime trip
// count leaves the loop in a slow scalar epilogue: LeNet's 6 channels ran 4× slower).
template <int KH, int KW, int CC>
static inline void poolWindow(const float* x, float* yo, int32_t* ao, int32_t base, int64_t W, int64_t Crt) {
  const int64_t C = CC > 0 ? CC : Crt;
  // loads through an int64 offset from one pointer, so the compiler sees them as contiguous in c and
  // vectorises across channels (an int32 index computed per cell made every load a gather: 31 ms
  // instead of 5 ms for ResNet-18's 3x3 pool over 16x112x112x64)
  const float* xb = x + base;
  for (int64_t c = 0; c < C; c++) {
    float m = xb[c];
    int32_t id = base + static_cast<int32_t>(c);
    for (int ky = 0; ky < KH; ky++)
      for (int kx = 0; kx < KW; kx++) {
        const int64_t off = (ky * W + kx) * C;
        takeIfGreater(xb[off + c], base + static_cast<int32_t>(off + c), m, id);
      }
    yo[c] = m;
    ao[c] = id;
  }
}

template <int KH, int KW>
static inline void poolWindowC(const float* x, float* yo, int32_t* ao, int32_t base, int64_t W, int64_t C) {
  switch (C) {
    case 1: poolWindow<KH, KW, 1>(x, yo, ao, base, W, C); break;
    case 3: poolWindow<KH, KW, 3>(x, yo, ao, base, W, C); break;
    case 6: poolWindow<KH, KW, 6>(x, yo, ao, base, W, C); break;
    case 16: poolWindow<KH, KW, 16>(x, yo, ao, base, W, C); break;
    default: poolWindow<KH, KW, 0>(x, yo, ao, base, W, C);
  }
}

/** Offsets of the window's cells that lie inside the image (at most 64 are kept). */
static inline int windowOffsets(int32_t* off, int64_t iy0, int64_t ix0, int64_t kh, int64_t kw, int64_t H, int64_t W, int64_t C, int64_t n) {
  int K = 0;
  for (int64_t iy = std::max<int64_t>(iy0, 0); iy < std::min(iy0 + kh, H); iy++)
    for (int64_t ix = std::max<int64_t>(ix0, 0); ix < std::min(ix0 + kw, W); ix++)
      if (K < 64) off[K++] = static_cast<int32_t>(((n * H + iy) * W + ix) * C);
  return K;
}

static inline void poolCells(const float* x, float* yo, int32_t* ao, int K, const int32_t* off, int64_t C) {
  for (int64_t c = 0; c < C; c++) {
    float m = x[off[0] + c];
    int32_t id = off[0] + static_cast<int32_t>(c);
    for (int k = 1; k < K; k++) takeIfGreater(x[off[k] + c], off[k] + static_cast<int32_t>(c), m, id);
    yo[c] = m;
    ao[c] = id;
  }
}
// 2x2 windows at stride 2 without padding (LeNet-5's and VGG's pools), one output row at a time: the
// larger of each pair of neighbouring C-channel cells in each of the two input rows, then the larger of
// the two rows' winners, element by element along contiguous memory. Ties go to the earlier cell in
// the window's row-major order, as in the general loop. 3x faster than the general loop for LeNet-5's
// 6 channels (measured: 0.13 against 1.1 ms for 64x60x60x6 on 2 threads).
template <int CC>
static inline void pairMax(const float* r, int32_t base, int64_t Wo, int64_t Crt, float* m, int32_t* mi) {
  const int64_t C = CC > 0 ? CC : Crt;
  for (int64_t ox = 0; ox < Wo; ox++) {
    const float* a = r + 2 * ox * C;
    const int32_t at = base + static_cast<int32_t>(2 * ox * C);
#pragma omp simd
    for (int64_t c = 0; c < C; c++) {
      const bool right = a[C + c] > a[c];
      m[ox * C + c] = right ? a[C + c] : a[c];
      mi[ox * C + c] = at + static_cast<int32_t>(c + (right ? C : 0));
    }
  }
}

template <int CC>
static void maxPool2x2(const float* x, float* y, int32_t* arg, int64_t N, int64_t H, int64_t W, int64_t Crt) {
  const int64_t C = CC > 0 ? CC : Crt, Ho = H / 2, Wo = W / 2, row = Wo * C;
#pragma omp parallel if (N * Ho * Wo * C >= kParallelMin)
  {
    std::vector<float> m(2 * row);
    std::vector<int32_t> mi(2 * row);
#pragma omp for collapse(2) schedule(static)
    for (int64_t n = 0; n < N; n++) {
      for (int64_t oy = 0; oy < Ho; oy++) {
        const int32_t base = static_cast<int32_t>((n * H + 2 * oy) * W * C);
        float *m0 = m.data(), *m1 = m0 + row;
        int32_t *i0 = mi.data(), *i1 = i0 + row;
        pairMax<CC>(x + base, base, Wo, C, m0, i0);
        pairMax<CC>(x + base + W * C, base + static_cast<int32_t>(W * C), Wo, C, m1, i1);
        float* yo = y + (n * Ho + oy) * row;
        int32_t* ao = arg + (n * Ho + oy) * row;
#pragma omp simd
        for (int64_t j = 0; j < row; j++) {
          const bool lower = m1[j] > m0[j];
          yo[j] = lower ? m1[j] : m0[j];
          ao[j] = lower ? i1[j] : i0[j];
        }
      }
    }
  }
}

// oneDNN 2.6's jit pooling is slow for channel counts that are not a multiple of
// its vector width (LeNet's 6 channels: 1.7 ms a call); this loop is memory-bound.
// maxPool2dForward(x, xShape, [kh, kw, sh, sw, ph, pw], y, argmax Int32Array)
static Napi::Value MaxPool2dForward(const Napi::CallbackInfo& info) {
  const char* op = "maxPool2d";
  Dims xs = dims(info, 1, op, "xShape", 4), p = dims(info, 2, op, "params", 6);
  const int64_t N = xs[0], H = xs[1], W = xs[2], C = xs[3];
  if (p[2] < 1 || p[3] < 1) fail(info.Env(), op, "stride must be ≥ 1");
  const int64_t Ho = (H + 2 * p[4] - p[0]) / p[2] + 1, Wo = (W + 2 * p[5] - p[1]) / p[3] + 1;
  if (Ho < 1 || Wo < 1) fail(info.Env(), op, "input " + fmt(xs) + " is smaller than the window");
  const float* x = f32(info, 0, op, "x", numel(xs), xs);
  float* y = f32(info, 3, op, "y", N * Ho * Wo * C);
  if (!info[4].IsTypedArray() || info[4].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      static_cast<int64_t>(info[4].As<Napi::Int32Array>().ElementLength()) != N * Ho * Wo * C) {
    fail(info.Env(), op, "argmax must be an Int32Array of " + std::to_string(N * Ho * Wo * C) + " values");
  }
  int32_t* arg = info[4].As<Napi::Int32Array>().Data();
  const int64_t kh = p[0], kw = p[1];
  if (kh == 2 && kw == 2 && p[2] == 2 && p[3] == 2 && p[4] == 0 && p[5] == 0) {
    switch (C) {
      case 1: maxPool2x2<1>(x, y, arg, N, H, W, C); break;
      case 6: maxPool2x2<6>(x, y, arg, N, H, W, C); break;
      default: maxPool2x2<0>(x, y, arg, N, H, W, C);
    }
    return info.Env().Undefined();
  }
#pragma omp parallel for collapse(2) if (N * Ho * Wo * C >= kParallelMin)
  for (int64_t n = 0; n < N; n++) {
    for (int64_t oy = 0; oy < Ho; oy++) {
      int32_t off[64];
      for (int64_t ox = 0; ox < Wo; ox++) {
        const int64_t iy0 = oy * p[2] - p[4], ix0 = ox * p[3] - p[5];
        float* yo = y + ((n * Ho + oy) * Wo + ox) * C;
        int32_t* ao = arg + ((n * Ho + oy) * Wo + ox) * C;
        if (iy0 >= 0 && ix0 >= 0 && iy0 + kh <= H && ix0 + kw <= W) {
          // interior window: fixed-size 2×2 or 3×3 cases unrolled by the compiler
          const int32_t base = static_cast<int32_t>(((n * H + iy0) * W + ix0) * C);
          if (kh == 2 && kw == 2) poolWindowC<2, 2>(x, yo, ao, base, W, C);
          else if (kh == 3 && kw == 3) poolWindowC<3, 3>(x, yo, ao, base, W, C);
          else poolCells(x, yo, ao, windowOffsets(off, iy0, ix0, kh, kw, H, W, C, n), off, C);
        } else {
          poolCells(x, yo, ao, windowOffsets(off, iy0, ix0, kh, kw, H, W, C, n), off, C);
        }
      }
    }
  }
  return info.Env().Undefined();
}

// maxPool2dBackward(gy, argmax, gx, images): the gradient goes to the cell that won; images never share
// cells, so they run in parallel, each zeroing and filling its own slice of gx.
static Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  const char* op = "maxPool2dBackward";
  const float* gy = f32(info, 0, op, "gy", -1);
  const int64_t n = info[0].As<Napi::Float32Array>().ElementLength();
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      static_cast<int64_t>(info[1].As<Napi::Int32Array>().ElementLength()) != n) {
    fail(info.Env(), op, "argmax must be the Int32Array of the forward pass (" + std::to_string(n) + " values)");
  }
  const int32_t* arg = info[1].As<Napi::Int32Array>().Data();
  float* gx = f32(info, 2, op, "gx", -1);
  const int64_t m = info[2].As<Napi::Float32Array>().ElementLength();
  const int64_t images = static_cast<int64_t>(num(info, 3, op, "images"));
  if (images < 1 || n % images != 0 || m % images != 0) {
    fail(info.Env(), op, std::to_string(images) + " images do not divide gy of " + std::to_string(n) + " and gx of " + std::to_string(m) + " values");
  }
  const int64_t perY = n / images, perX = m / images;
  for (int64_t img = 0; img < images; img++) {
    const int64_t lo = img * perX, hi = lo + perX;
    for (int64_t i = img * perY; i < (img + 1) * perY; i++) {
      if (arg[i] >= 0 && (arg[i] < lo || arg[i] >= hi)) {
        fail(info.Env(), op, "argmax index " + std::to_string(arg[i]) + " is outside image " + std::to_string(img) + " of gx (" + std::to_string(m) + " values)");
      }
    }
  }
#pragma omp parallel for if (m >= kParallelMin)
  for (int64_t img = 0; img < images; img++) {
    std::fill(gx + img * perX, gx + (img + 1) * perX, 0.f);
    for (int64_t i = img * perY; i < (img + 1) * perY; i++) if (arg[i] >= 0) gx[arg[i]] += gy[i];
  }
  return info.Env().Undefined();
}

// ---- ReLU and its gradient: one pass each, no primitive set-up (the most frequent activation) ----
// relu(x, y, slope): y = x > 0 ? x : slope·x
static Napi::Value Relu(const Napi::CallbackInfo& info) {
  const char* op = "relu";
  const float* x = f32(info, 0, op, "x", -1);
  const int64_t n = info[0].As<Napi::Float32Array>().ElementLength();
  float* y = f32(info, 1, op, "y", n);
  const float slope = static_cast<float>(num(info, 2, op, "slope"));
#pragma omp parallel for simd if (parallel: n >= 4 * kParallelMin)
  for (int64_t i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : slope * x[i];
  return info.Env().Undefined();
}

// reluBackward(x, gy, gx, slope): gx = x > 0 ? gy : slope·gy
static Napi::Value ReluBackward(const Napi::CallbackInfo& info) {
  const char* op = "reluBackward";
  const float* x = f32(info, 0, op, "x", -1);
  const int64_t n = info[0].As<Napi::Float32Array>().ElementLength();
  const float* gy = f32(info, 1, op, "gy", n);
  float* gx = f32(info, 2, op, "gx", n);
  const float slope = static_cast<float>(num(info, 3, op, "slope"));
#pragma omp parallel for simd if (parallel: n >= 4 * kParallelMin)
  for (int64_t i = 0; i < n; i++) gx[i] = x[i] > 0 ? gy[i] : slope * gy[i];
  return info.Env().Undefined();
}

// ---- sums over one block of consecutive axes: x seen as [A, R, B] → out [A, B] ----
// (oneDNN 2.6 uses a slow reference kernel for e.g. the bias gradient, a sum over the batch axis)
// sumMiddle(x, A, R, B, out)
static Napi::Value SumMiddle(const Napi::CallbackInfo& info) {
  const char* op = "sum";
  const int64_t A = static_cast<int64_t>(num(info, 1, op, "A")), R = static_cast<int64_t>(num(info, 2, op, "R")), B = static_cast<int64_t>(num(info, 3, op, "B"));
  const float* x = f32(info, 0, op, "x", A * R * B, {A, R, B});
  float* out = f32(info, 4, op, "out", A * B);
  if (B == 1) {
#pragma omp parallel for if (A * R >= kParallelMin)
    for (int64_t a = 0; a < A; a++) {
      double acc = 0;
      const float* xa = x + a * R;
      for (int64_t r = 0; r < R; r++) acc += xa[r];
      out[a] = static_cast<float>(acc);
    }
  } else {
#pragma omp parallel for if (A * R * B >= kParallelMin)
    for (int64_t a = 0; a < A; a++) {
      float* o = out + a * B;
      std::fill(o, o + B, 0.f);
      for (int64_t r = 0; r < R; r++) {
        const float* xr = x + (a * R + r) * B;
#pragma omp simd
        for (int64_t b = 0; b < B; b++) o[b] += xr[b];
      }
    }
  }
  return info.Env().Undefined();
}

// ---- bilateral filter, OpenCV semantics (see src/vision/bilateral.ts for the formula) ----
// One image per call on the calling thread (feature extraction runs one worker per core).
// The inner loop runs along a row for one neighbour offset at a time, so it vectorises
// across pixels (the LUT lookup becomes a gather), as OpenCV's own SIMD code does.
// bilateralFilter(src, h, w, d, sigmaColor, sigmaSpace, out)
static Napi::Value BilateralFilter(const Napi::CallbackInfo& info) {
  const char* op = "bilateralFilter";
  const int64_t h = static_cast<int64_t>(num(info, 1, op, "h")), w = static_cast<int64_t>(num(info, 2, op, "w"));
  const float* src = f32(info, 0, op, "src", h * w, {h, w});
  const int d = static_cast<int>(num(info, 3, op, "d"));
  double sc = num(info, 4, op, "sigmaColor"), ss = num(info, 5, op, "sigmaSpace");
  float* out = f32(info, 6, op, "out", h * w);
  if (sc <= 0) sc = 1;
  if (ss <= 0) ss = 1;
  const double colorCoeff = -0.5 / (sc * sc), spaceCoeff = -0.5 / (ss * ss);
  int radius = d <= 0 ? static_cast<int>(std::nearbyint(ss * 1.5)) : d / 2;   // nearbyint: half to even, as cvRound
  radius = std::max(radius, 1);
  if (h < 1 || w < 1) fail(info.Env(), op, "an image of " + std::to_string(h) + "×" + std::to_string(w) + " pixels");
  if (d > 255) fail(info.Env(), op, "diameter " + std::to_string(d) + " is too large (at most 255)");
  if (!(ss < 100)) fail(info.Env(), op, "sigmaSpace " + std::to_string(ss) + " is too large (at most 100 pixels)");
  // the value range over the finite pixels (NaN and ±Inf are not values to scale the table by)
  float lo = INFINITY, hi = -INFINITY;
  for (int64_t i = 0; i < h * w; i++) if (std::isfinite(src[i])) { lo = std::min(lo, src[i]); hi = std::max(hi, src[i]); }
  if (!(hi >= lo) || std::abs(lo - hi) < 1.1920929e-7f) { std::copy(src, src + h * w, out); return info.Env().Undefined(); }
  constexpr int kBins = 1 << 12;
  float scaleIndex = static_cast<float>(kBins) / (hi - lo);
  if (!std::isfinite(scaleIndex)) scaleIndex = 0.f;   // hi - lo overflowed float: every difference falls in bin 0
  std::vector<float> lut(kBins + 2);
  float last = 1.f;
  for (int i = 0; i < kBins + 2; i++) {
    if (last > 0.f) { const double v = i / static_cast<double>(scaleIndex); lut[i] = static_cast<float>(std::exp(v * v * colorCoeff)); last = lut[i]; }
    else lut[i] = 0.f;
  }
  const int64_t pw = w + 2 * radius, ph = h + 2 * radius;
  auto reflect = [](int64_t i, int64_t n) { if (n == 1) return int64_t(0); while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i; return i; };
  std::vector<float> padded(pw * ph);
  for (int64_t y = 0; y < ph; y++) {
    const int64_t sy = reflect(y - radius, h);
    for (int64_t x = 0; x < pw; x++) padded[y * pw + x] = src[sy * w + reflect(x - radius, w)];
  }
  std::vector<float> sw;
  std::vector<int64_t> ofs;
  for (int i = -radius; i <= radius; i++)
    for (int j = -radius; j <= radius; j++) {
      const double r = std::sqrt(static_cast<double>(i * i + j * j));
      if (r > radius || (i == 0 && j == 0)) continue;
      sw.push_back(static_cast<float>(std::exp(r * r * spaceCoeff)));
      ofs.push_back(i * pw + j);
    }
  std::vector<float> sum(w), wsum(w);
  const float* L = lut.data();
  for (int64_t y = 0; y < h; y++) {
    const float* c = padded.data() + (y + radius) * pw + radius;
    std::fill(sum.begin(), sum.end(), 0.f);
    std::fill(wsum.begin(), wsum.end(), 0.f);
    float* S = sum.data();
    float* WS = wsum.data();
    for (size_t k = 0; k < ofs.size(); k++) {
      const float* nb = c + ofs[k];
      const float s = sw[k];
      for (int64_t x = 0; x < w; x++) {
        const float v = nb[x];
        float alpha = std::abs(v - c[x]) * scaleIndex;
        // NaN, ±Inf or a value past the table (possible only with non-finite pixels) take the last bin,
        // whose weight is that of the farthest value: the cast below is then always in [0, kBins]
        // (a cast of NaN or of a float past INT_MAX is undefined behaviour, and read outside the table)
        alpha = alpha < static_cast<float>(kBins) ? alpha : static_cast<float>(kBins);
        const int idx = static_cast<int>(alpha);          // alpha ≥ 0: truncation is floor
        alpha -= static_cast<float>(idx);
        const float wt = s * (L[idx] + alpha * (L[idx + 1] - L[idx]));
        S[x] += v * wt;
        WS[x] += wt;
      }
    }
    for (int64_t x = 0; x < w; x++) out[y * w + x] = (S[x] + c[x]) / (WS[x] + 1.f);
  }
  return info.Env().Undefined();
}

// ---- separable resize of a single-channel float image ----
// The taps of each axis come from src/vision/resize.ts (area or bilinear): output index o is
// Σ wt[k]·in[idx[k]] over k in [start[o], start[o+1]).
struct AxisTaps { const int32_t* start; const int32_t* idx; const float* wt; };

// taps of one axis (arguments i, i+1, i+2), n inputs → out outputs; {nullptr…} when the axis keeps its size (null)
static AxisTaps axisTaps(const Napi::CallbackInfo& info, size_t i, int64_t out, int64_t n, const char* axis) {
  const char* op = "resize";
  if (info[i].IsNull()) {
    if (out != n) fail(info.Env(), op, std::string(axis) + " taps are missing for " + std::to_string(n) + " → " + std::to_string(out));
    return {nullptr, nullptr, nullptr};
  }
  int64_t taps = 0;
  const int32_t* start = i32(info, i, op, "tap starts", out + 1);
  const int32_t* idx = i32(info, i + 1, op, "tap indices", -1, &taps);
  const float* wt = f32(info, i + 2, op, "tap weights", taps);
  for (int64_t o = 0; o < out; o++)
    if (start[o] < 0 || start[o] > start[o + 1] || start[o + 1] > taps) fail(info.Env(), op, std::string(axis) + " taps: the starts do not increase within the taps");
  for (int64_t k = 0; k < taps; k++)
    if (idx[k] < 0 || idx[k] >= n) fail(info.Env(), op, std::string(axis) + " taps: index " + std::to_string(idx[k]) + " is outside [0, " + std::to_string(n) + ")");
  return {start, idx, wt};
}

// resizeImage(src [h, w], h, w, outH, outW, xStart, xIdx, xWt, yStart, yIdx, yWt, out [outH, outW])
static Napi::Value ResizeImage(const Napi::CallbackInfo& info) {
  const char* op = "resize";
  const int64_t h = static_cast<int64_t>(num(info, 1, op, "h")), w = static_cast<int64_t>(num(info, 2, op, "w"));
  const int64_t oh = static_cast<int64_t>(num(info, 3, op, "outH")), ow = static_cast<int64_t>(num(info, 4, op, "outW"));
  if (h < 1 || w < 1 || oh < 1 || ow < 1) fail(info.Env(), op, "sizes must be ≥ 1");
  const float* src = f32(info, 0, op, "src", h * w, {h, w});
  const AxisTaps tx = axisTaps(info, 5, ow, w, "row"), ty = axisTaps(info, 8, oh, h, "column");
  float* out = f32(info, 11, op, "out", oh * ow, {oh, ow});
  static thread_local std::vector<float> tmp;
  // rows first (the time axis of a spectrogram), then columns
  const float* rows = src;
  if (tx.start) {
    tmp.resize(h * ow);
    for (int64_t y = 0; y < h; y++) {
      const float* r = src + y * w;
      for (int64_t x = 0; x < ow; x++) {
        float acc = 0.f;
        for (int32_t k = tx.start[x]; k < tx.start[x + 1]; k++) acc += r[tx.idx[k]] * tx.wt[k];
        tmp[y * ow + x] = acc;
      }
    }
    rows = tmp.data();
  }
  if (!ty.start) { std::copy(rows, rows + h * ow, out); return info.Env().Undefined(); }
  for (int64_t y = 0; y < oh; y++) {
    float* o = out + y * ow;
    std::fill(o, o + ow, 0.f);
    for (int32_t k = ty.start[y]; k < ty.start[y + 1]; k++) {
      const float* r = rows + ty.idx[k] * ow;
      const float f = ty.wt[k];
      for (int64_t x = 0; x < ow; x++) o[x] += r[x] * f;
    }
  }
  return info.Env().Undefined();
}

// ---- STFT power/magnitude spectrum over KissFFT's real transform ----
// stftFrames(signal, pad, nFft, hop, frames, window, power, out): the signal is reflect-padded
// by `pad` samples on both sides here (torch.stft's center=True); out is [frames, nFft/2 + 1].
static Napi::Value StftFrames(const Napi::CallbackInfo& info) {
  const char* op = "stft";
  const float* signal = f32(info, 0, op, "signal", -1);
  const int64_t n = info[0].As<Napi::Float32Array>().ElementLength();
  const int64_t pad = static_cast<int64_t>(num(info, 1, op, "pad"));
  const int nFft = static_cast<int>(num(info, 2, op, "nFft"));
  const int64_t hop = static_cast<int64_t>(num(info, 3, op, "hop")), frames = static_cast<int64_t>(num(info, 4, op, "frames"));
  if (nFft < 4 || (nFft & 1) || hop < 1 || frames < 1 || pad < 0) fail(info.Env(), op, "invalid pad, nFft, hop or frames");
  if (n < 1 || (pad > 0 && pad >= n)) fail(info.Env(), op, "a signal of " + std::to_string(n) + " samples cannot be reflect-padded by " + std::to_string(pad));
  const int64_t padded = n + 2 * pad;
  if ((frames - 1) * hop + nFft > padded) fail(info.Env(), op, std::to_string(frames) + " frames of " + std::to_string(nFft) + " do not fit in " + std::to_string(padded) + " samples");
  const float* win = f32(info, 5, op, "window", nFft);
  const bool magnitude = num(info, 6, op, "power") == 1;
  const int bins = nFft / 2 + 1;
  float* out = f32(info, 7, op, "out", frames * bins);
  // one plan and scratch per size and thread: feature extraction calls this from several worker threads at once
  static thread_local std::unordered_map<int, kiss_fftr_cfg> plans;
  static thread_local std::vector<float> ext;
  kiss_fftr_cfg& plan = plans[nFft];
  if (!plan) plan = kiss_fftr_alloc(nFft, 0, nullptr, nullptr);
  if (!plan) fail(info.Env(), op, "KissFFT cannot plan a real FFT of size " + std::to_string(nFft));
  // x[-i] = x[i], x[n-1+i] = x[n-1-i] (numpy's 'reflect': the edge sample is not repeated)
  ext.resize(padded);
  const int64_t period = n > 1 ? 2 * (n - 1) : 1;
  for (int64_t j = 0; j < padded; j++) {
    const int64_t i = j - pad;
    if (i >= 0 && i < n) { ext[j] = signal[i]; continue; }
    int64_t k = ((i % period) + period) % period;
    if (k >= n) k = period - k;
    ext[j] = signal[n > 1 ? k : 0];
  }
  std::vector<kiss_fft_scalar> frame(nFft);
  std::vector<kiss_fft_cpx> spec(bins);
  for (int64_t t = 0; t < frames; t++) {
    const float* x = ext.data() + t * hop;
    for (int i = 0; i < nFft; i++) frame[i] = x[i] * win[i];
    kiss_fftr(plan, frame.data(), spec.data());
    float* o = out + t * bins;
    for (int k = 0; k < bins; k++) {
      const float p = spec[k].r * spec[k].r + spec[k].i * spec[k].i;
      o[k] = magnitude ? std::sqrt(p) : p;
    }
  }
  return info.Env().Undefined();
}

// 10·log10 of n values (≥ 1e-10 first), vectorised: with the declaration at the top GCC calls
// glibc's libmvec (_ZGV…_logf, ≤ 4 ulp), 8 or 16 logarithms at a time instead of one.
static void toDecibels(float* x, int64_t n) {
  const float scale = 10.f / std::log(10.f);
#pragma omp simd
  for (int64_t i = 0; i < n; i++) x[i] = scale * logf(x[i] > 1e-10f ? x[i] : 1e-10f);
}

// ---- mel filterbank, then optionally dB ----
// melFilter(spec [frames, bins], frames, bins, fb [bins, nMels], nMels, support [lo0, hi0, lo1, …], db, topDb (<0: none), out [nMels, frames]):
// out[m, t] = Σ_{k ∈ [lo_m, hi_m)} spec[t,k]·fb[k,m]; with db, 10·log10(max(out, 1e-10)), then the
// top_db floor below the maximum (torchaudio's MelScale and AmplitudeToDB).
static Napi::Value MelFilter(const Napi::CallbackInfo& info) {
  const char* op = "melFilter";
  const int64_t frames = static_cast<int64_t>(num(info, 1, op, "frames")), bins = static_cast<int64_t>(num(info, 2, op, "bins"));
  const int64_t nMels = static_cast<int64_t>(num(info, 4, op, "nMels"));
  const float* spec = f32(info, 0, op, "spec", frames * bins, {frames, bins});
  const float* fb = f32(info, 3, op, "fb", bins * nMels, {bins, nMels});
  const int32_t* sup = i32(info, 5, op, "support", 2 * nMels);
  const bool db = info[6].ToBoolean();
  const double topDb = num(info, 7, op, "topDb");
  float* out = f32(info, 8, op, "out", nMels * frames);
  // each filter's non-zero weights, contiguous, so the inner sum reads two dense rows
  static thread_local std::vector<float> w;
  static thread_local std::vector<int64_t> at;
  at.assign(nMels + 1, 0);
  for (int64_t m = 0; m < nMels; m++) {
    const int64_t lo = sup[2 * m], hi = sup[2 * m + 1];
    if (lo < 0 || hi < lo || hi > bins) fail(info.Env(), op, "support of filter " + std::to_string(m) + " is outside [0, " + std::to_string(bins) + ")");
    at[m + 1] = at[m] + (hi - lo);
  }
  w.resize(at[nMels]);
  for (int64_t m = 0; m < nMels; m++)
    for (int64_t k = sup[2 * m]; k < sup[2 * m + 1]; k++) w[at[m] + k - sup[2 * m]] = fb[k * nMels + m];
  // blocks of 16 frames: 16 independent sums per filter (no add-latency chain), their rows stay in L1
  constexpr int64_t TB = 16;
  for (int64_t t0 = 0; t0 < frames; t0 += TB) {
    const int64_t nb = std::min(TB, frames - t0);
    for (int64_t m = 0; m < nMels; m++) {
      float acc[TB] = {};
      const float* wm = w.data() + at[m];
      const float* base = spec + t0 * bins + sup[2 * m];
      for (int64_t k = 0, len = at[m + 1] - at[m]; k < len; k++) {
        const float wk = wm[k];
        for (int64_t j = 0; j < nb; j++) acc[j] += base[j * bins + k] * wk;
      }
      for (int64_t j = 0; j < nb; j++) out[m * frames + t0 + j] = acc[j];
    }
  }
  if (!db) return info.Env().Undefined();
  const int64_t total = nMels * frames;
  toDecibels(out, total);
  if (topDb >= 0) {
    float mx = -INFINITY;
    for (int64_t i = 0; i < total; i++) mx = std::max(mx, out[i]);
    const float floor = mx - static_cast<float>(topDb);
    for (int64_t i = 0; i < total; i++) out[i] = std::max(out[i], floor);
  }
  return info.Env().Undefined();
}

void RegisterLoops(Napi::Env env, Napi::Object exports) {
  exports.Set("melFilter", Napi::Function::New(env, MelFilter));
  exports.Set("stftFrames", Napi::Function::New(env, StftFrames));
  exports.Set("bilateralFilter", Napi::Function::New(env, BilateralFilter));
  exports.Set("resizeImage", Napi::Function::New(env, ResizeImage));
  exports.Set("relu", Napi::Function::New(env, Relu));
  exports.Set("reluBackward", Napi::Function::New(env, ReluBackward));
  exports.Set("sumMiddle", Napi::Function::New(env, SumMiddle));
  exports.Set("maxPool2dForward", Napi::Function::New(env, MaxPool2dForward));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, MaxPool2dBackward));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("softmaxBackward", Napi::Function::New(env, SoftmaxBackward));
  exports.Set("sgdSteps", Napi::Function::New(env, SgdSteps));
  exports.Set("adamSteps", Napi::Function::New(env, AdamSteps));
  exports.Set("rmspropStep", Napi::Function::New(env, RmspropStep));
  exports.Set("adagradStep", Napi::Function::New(env, AdagradStep));
}

}  // namespace specnet
