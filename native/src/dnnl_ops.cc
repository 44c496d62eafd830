// oneDNN-backed kernels: convolution, pooling, batch norm, matmul, eltwise, reduction.
// Activations are NHWC, conv weights OHWI; memory is the caller's Float32Arrays (zero copy).
// Compiled primitives live in a bounded LRU cache keyed by op, shapes and parameters.
#include <dnnl.hpp>
#include <cstdlib>
#include <cstring>
#include <list>
#include <memory>
#include <unordered_map>
#include "common.h"

namespace specnet {

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

// Per thread: the addon may be loaded by several worker threads of one process, and shares its statics with them.
static engine& eng() { static thread_local engine e(engine::kind::cpu, 0); return e; }
static stream& strm() { static thread_local stream s(eng()); return s; }

// ---- bounded LRU cache of primitives ----
struct Entry { virtual ~Entry() = default; };

class PrimitiveCache {
 public:
  template <class T, class Make>
  T& get(const std::string& key, Make make) {
    auto it = map_.find(key);
    if (it != map_.end()) {
      hits_++;
      lru_.splice(lru_.begin(), lru_, it->second);
      return *static_cast<T*>(it->second->second.get());
    }
    misses_++;
    std::shared_ptr<Entry> e = make();
    lru_.emplace_front(key, e);
    map_[key] = lru_.begin();
    if (lru_.size() > capacity_) { map_.erase(lru_.back().first); lru_.pop_back(); }
    return *static_cast<T*>(e.get());
  }
  size_t size() const { return lru_.size(); }
  size_t capacity_ = 1024;
  uint64_t hits_ = 0, misses_ = 0;

 private:
  std::list<std::pair<std::string, std::shared_ptr<Entry>>> lru_;
  std::unordered_map<std::string, std::list<std::pair<std::string, std::shared_ptr<Entry>>>::iterator> map_;
};
static thread_local PrimitiveCache cache;

// ---- reusable temporary memory: grows to the largest request, never shrinks ----
struct GrowBuffer {
  void* buf = nullptr;
  size_t cap = 0;
  memory get(const memory::desc& d) {
    size_t need = d.get_size();
    if (need > cap) {
      std::free(buf);
      cap = (need + 4095) / 4096 * 4096;
      buf = std::aligned_alloc(64, cap);
    }
    return memory(d, eng(), buf);
  }
};
/** oneDNN's scratchpad, one for all primitives (calls are synchronous). */
static memory scratchpad(const memory::desc& d) {
  static thread_local GrowBuffer b;
  return b.get(d);
}

static primitive_attr userScratch() {
  primitive_attr a;
  a.set_scratchpad_mode(scratchpad_mode::user);
  return a;
}

static std::string key(const char* op, std::initializer_list<Dims> parts) {
  std::string k(op);
  for (auto& p : parts) { k += '|'; for (auto v : p) { k += std::to_string(v); k += ','; } }
  return k;
}

/**
 * Every primitive runs here, with signals held off, and is waited for: oneDNN's JIT sgemm kernels point
 * the stack pointer into a heap buffer, so a signal handler that runs meanwhile (a sampling profiler's
 * SIGPROF, Ctrl-C's SIGINT, a terminal resize) writes its frame over the heap and corrupts it (oneDNN
 * issue #4845; reproduced here with 2.6.3). OpenMP's workers block signals for good
 * (holdSignalsInWorkers in addon.cc); this thread takes whatever arrived as soon as the primitive returns.
 */
static void execute(const primitive& p, const std::unordered_map<int, memory>& args) {
  SignalsHeld held;
  p.execute(strm(), args);
  strm().wait();
}

/** Run a primitive with the shared scratchpad. */
static void run(const primitive& p, std::unordered_map<int, memory> args, const memory::desc& scratch) {
  args.insert({DNNL_ARG_SCRATCHPAD, scratchpad(scratch)});
  execute(p, args);
}

#define GUARD_BEGIN try {
#define GUARD_END(op, shapes)                                                         \
  } catch (const dnnl::error& e) {                                                    \
    fail(info.Env(), op, std::string("oneDNN refused ") + (shapes) + ": " + e.what()); \
  }

// ============================== convolution ==============================
struct ConvGeom {
  int64_t N, H, W, C, O, kh, kw, Cg, G, Ho, Wo;
  Dims stride, dil, padL, padR;
};

// params: [sh, sw, pt, pb, pl, pr, dh, dw, groups]
static ConvGeom convGeom(const Napi::CallbackInfo& info, const char* op, const Dims& x, const Dims& w, const Dims& p) {
  if (p.size() != 9) fail(info.Env(), op, "params must be [sh, sw, pt, pb, pl, pr, dh, dw, groups]");
  ConvGeom g{x[0], x[1], x[2], x[3], w[0], w[1], w[2], w[3], p[8], 0, 0, {p[0], p[1]}, {p[6] - 1, p[7] - 1}, {p[2], p[4]}, {p[3], p[5]}};
  if (g.G < 1 || g.C != g.Cg * g.G || g.O % g.G != 0 || p[0] < 1 || p[1] < 1 || p[6] < 1 || p[7] < 1) {
    fail(info.Env(), op, "input " + fmt(x) + " and weight " + fmt(w) + " do not match groups " + std::to_string(g.G));
  }
  g.Ho = (g.H + p[2] + p[3] - p[6] * (g.kh - 1) - 1) / p[0] + 1;
  g.Wo = (g.W + p[4] + p[5] - p[7] * (g.kw - 1) - 1) / p[1] + 1;
  if (g.Ho < 1 || g.Wo < 1) fail(info.Env(), op, "input " + fmt(x) + " is smaller than kernel " + fmt(w));
  return g;
}

/** Ungrouped, stride 1, no dilation: the convolutions our own kernels, Winograd and the transposed forward take. */
static bool plainStride1(const ConvGeom& g) {
  return g.G == 1 && g.stride[0] == 1 && g.stride[1] == 1 && g.dil[0] == 0 && g.dil[1] == 0;
}

static memory::desc actDesc(int64_t N, int64_t C, int64_t H, int64_t W, bool any = false) {
  return memory::desc({N, C, H, W}, dt::f32, any ? tag::any : tag::nhwc);
}
static memory::desc weightDesc(const ConvGeom& g, bool any) {
  if (g.G == 1) return memory::desc({g.O, g.Cg, g.kh, g.kw}, dt::f32, any ? tag::any : tag::ohwi);
  return memory::desc({g.G, g.O / g.G, g.Cg, g.kh, g.kw}, dt::f32, any ? tag::any : tag::gohwi);
}

/**
 * An input in the caller's layout (OHWI weights, NHWC activations) handed to a primitive that wants its
 * own: reordered when the layouts differ, into a buffer kept here (weights: small, one per primitive) or
 * into a shared growing one (activations: large, used one call at a time).
 */
struct ReorderIn {
  memory::desc user, want;
  memory kept;
  GrowBuffer* shared = nullptr;
  reorder toPrim;
  bool needed = false;
  void init(const memory::desc& userDesc, const memory::desc& primDesc, GrowBuffer* sharedBuf = nullptr) {
    user = userDesc;
    want = primDesc;
    shared = sharedBuf;
    needed = want != user;
    if (!needed) return;
    toPrim = reorder(reorder::primitive_desc(eng(), user, eng(), want));
    if (!shared) kept = memory(want, eng());
  }
  memory prepare(float* p) {
    memory m(user, eng(), p);
    if (!needed) return m;
    memory b = shared ? shared->get(want) : kept;
    execute(toPrim, {{DNNL_ARG_FROM, m}, {DNNL_ARG_TO, b}});
    return b;
  }
};

struct ConvFwd : Entry {
  convolution_forward::primitive_desc pd;
  convolution_forward prim;
  ReorderIn weights;
};

static ConvFwd& convFwd(const ConvGeom& g, bool bias) {
  std::string k = key("conv_fwd", {{g.N, g.H, g.W, g.C, g.O, g.kh, g.kw, g.G, bias}, g.stride, g.dil, g.padL, g.padR});
  return cache.get<ConvFwd>(k, [&] {
    auto e = std::make_shared<ConvFwd>();
    auto bdesc = bias ? memory::desc({g.O}, dt::f32, tag::x) : memory::desc();
    convolution_forward::desc d(prop_kind::forward_training, algorithm::convolution_direct, actDesc(g.N, g.C, g.H, g.W),
                                weightDesc(g, true), bdesc, actDesc(g.N, g.O, g.Ho, g.Wo), g.stride, g.dil, g.padL, g.padR);
    e->pd = convolution_forward::primitive_desc(d, userScratch(), eng());
    e->prim = convolution_forward(e->pd);
    e->weights.init(weightDesc(g, false), e->pd.weights_desc());
    return e;
  });
}

// ---- the forward pass as backward-data of the transposed convolution ----
// oneDNN 2.6's AVX2 forward kernel reaches only ~100 GFLOP/s on NHWC activations with 128-512 channels,
// where its backward-data kernel reaches 170-190 (measured here, 3x3, batch 16-64; ~1.2x at 64 channels,
// equal at 32). With stride 1 and no dilation, a convolution is the backward-data pass of another one:
//   y[n,o,h,w] = sum_{c,i,j} x[n,c,h-pT+i,w-pL+j] W[o,c,i,j]
//              = sum_{c,i',j'} x[n,c,h+qT-i',w+qL-j'] V[c,o,i',j'],  V[c,o,i',j'] = W[o,c,kh-1-i',kw-1-j'],
// i.e. the data gradient of a conv from O to C channels with weights V and padding q = k-1-p on each side:
// x plays its output gradient and y its input gradient. V is W with in/out channels swapped and the
// kernel flipped: the flip is copied here, the swap is a strided view that oneDNN's reorder reads.
static bool forwardAsTransposed(const ConvGeom& g, bool bias) {
  return plainStride1(g) && !bias && g.kh * g.kw > 1 && g.C >= 64 && g.O >= 64 &&
         g.padL[0] < g.kh && g.padR[0] < g.kh && g.padL[1] < g.kw && g.padR[1] < g.kw;
}

struct ConvFwdTransposed : Entry {
  convolution_backward_data::primitive_desc pd;
  convolution_backward_data prim;
  ReorderIn weights;  // from the flipped copy, seen as V (dims C, O, kh, kw)
};
static thread_local GrowBuffer flippedWeightsBuf;

static ConvFwdTransposed& convFwdTransposed(const ConvGeom& g) {
  std::string k = key("conv_fwd_t", {{g.N, g.H, g.W, g.C, g.O, g.kh, g.kw}, g.padL, g.padR});
  return cache.get<ConvFwdTransposed>(k, [&] {
    auto e = std::make_shared<ConvFwdTransposed>();
    const memory::dims one{1, 1}, none{0, 0}, qL{g.kh - 1 - g.padL[0], g.kw - 1 - g.padL[1]}, qR{g.kh - 1 - g.padR[0], g.kw - 1 - g.padR[1]};
    auto vAny = memory::desc({g.C, g.O, g.kh, g.kw}, dt::f32, tag::any);
    auto ySrc = actDesc(g.N, g.O, g.Ho, g.Wo), xDst = actDesc(g.N, g.C, g.H, g.W);
    convolution_forward::desc hint(prop_kind::forward_training, algorithm::convolution_direct, ySrc, vAny, memory::desc(), xDst, one, none, qL, qR);
    convolution_forward::primitive_desc hpd(hint, eng());
    convolution_backward_data::desc d(algorithm::convolution_direct, ySrc, vAny, xDst, one, none, qL, qR);
    e->pd = convolution_backward_data::primitive_desc(d, userScratch(), eng(), hpd);
    e->prim = convolution_backward_data(e->pd);
    // V[c][o][i][j] lives at flipped[((o*kh + i)*kw + j)*C + c]
    memory::desc vUser({g.C, g.O, g.kh, g.kw}, dt::f32, memory::dims{1, g.kh * g.kw * g.C, g.kw * g.C, g.C});
    e->weights.init(vUser, e->pd.weights_desc());
    return e;
  });
}

static void conv2dForwardTransposed(const ConvGeom& g, float* x, float* w, float* y) {
  ConvFwdTransposed& e = convFwdTransposed(g);
  memory flipped = flippedWeightsBuf.get(memory::desc({g.O * g.kh * g.kw * g.C}, dt::f32, tag::x));
  float* f = static_cast<float*>(flipped.get_data_handle());
  const int64_t kh = g.kh, kw = g.kw, C = g.C;
#pragma omp parallel for if (g.O * kh * kw * C > 65536)
  for (int64_t o = 0; o < g.O; o++)
    for (int64_t i = 0; i < kh; i++)
      for (int64_t j = 0; j < kw; j++)
        std::memcpy(f + ((o * kh + i) * kw + j) * C, w + ((o * kh + (kh - 1 - i)) * kw + (kw - 1 - j)) * C, C * sizeof(float));
  run(e.prim, {{DNNL_ARG_DIFF_DST, memory(e.pd.diff_dst_desc(), eng(), x)}, {DNNL_ARG_WEIGHTS, e.weights.prepare(f)},
               {DNNL_ARG_DIFF_SRC, memory(e.pd.diff_src_desc(), eng(), y)}}, e.pd.scratchpad_desc());
}

/**
 * Where activations are reordered to and from oneDNN's blocked layout within one call (a blocked
 * backward-weights pass, the Winograd passes below): one call at a time uses them.
 */
static thread_local GrowBuffer blockedSrcBuf, blockedDiffDstBuf;

// ---- Winograd F(4x4, 3x3): forward and backward-data of 3x3 stride-1 convolutions ----
// oneDNN's jit_wino_4x3 kernel (AVX-512 hosts only, on its own blocked layout) computes these passes
// with fewer multiplications; with the reorders from and to our NHWC counted it was 1.1-1.7x faster than
// the direct kernel on 3x3 convs of 32-128 channels at batch 64 (docs/PERFORMANCE.md). Where oneDNN
// has no such kernel (no AVX-512, or a shape it refuses) the entry records that, and the direct kernels run.
struct ConvWinograd : Entry {
  bool ok = false;
  convolution_forward::primitive_desc fpd;
  convolution_forward fwd;
  convolution_backward_data::primitive_desc bpd;
  convolution_backward_data bwd;
  ReorderIn fwdWeights, bwdWeights, src, diffDst;
  reorder dstOut, diffSrcOut;  // blocked result -> NHWC
};

static bool winogradShape(const ConvGeom& g) {
  return plainStride1(g) && g.kh == 3 && g.kw == 3 && g.C % 16 == 0 && g.O % 16 == 0 && g.padL[0] <= 1 && g.padL[1] <= 1 &&
         // oneDNN 2.6.3's Winograd backward-data pass gives wrong gradients with uneven padding (a test here
         // caught it: top 1, bottom 0), so only even padding takes this path
         g.padL[0] == g.padR[0] && g.padL[1] == g.padR[1];
}

static ConvWinograd* convWinograd(const ConvGeom& g, bool bias) {
  static const bool disabled = std::getenv("SPECNET_NO_WINOGRAD") != nullptr;  // for measuring the direct kernels
  if (disabled || !winogradShape(g)) return nullptr;
  std::string k = key("conv_wino", {{g.N, g.H, g.W, g.C, g.O, bias}, g.padL, g.padR});
  ConvWinograd& e = cache.get<ConvWinograd>(k, [&] {
    auto e = std::make_shared<ConvWinograd>();
    try {
      auto xAny = actDesc(g.N, g.C, g.H, g.W, true), yAny = actDesc(g.N, g.O, g.Ho, g.Wo, true);
      auto bdesc = bias ? memory::desc({g.O}, dt::f32, tag::x) : memory::desc();
      convolution_forward::desc fd(prop_kind::forward_training, algorithm::convolution_winograd, xAny, weightDesc(g, true), bdesc, yAny,
                                   g.stride, g.dil, g.padL, g.padR);
      e->fpd = convolution_forward::primitive_desc(fd, userScratch(), eng());
      e->fwd = convolution_forward(e->fpd);
      convolution_backward_data::desc bd(algorithm::convolution_winograd, xAny, weightDesc(g, true), yAny, g.stride, g.dil, g.padL, g.padR);
      e->bpd = convolution_backward_data::primitive_desc(bd, userScratch(), eng(), e->fpd);
      e->bwd = convolution_backward_data(e->bpd);
      e->fwdWeights.init(weightDesc(g, false), e->fpd.weights_desc());
      e->bwdWeights.init(weightDesc(g, false), e->bpd.weights_desc());
      e->src.init(actDesc(g.N, g.C, g.H, g.W), e->fpd.src_desc(), &blockedSrcBuf);
      e->diffDst.init(actDesc(g.N, g.O, g.Ho, g.Wo), e->bpd.diff_dst_desc(), &blockedSrcBuf);
      e->dstOut = reorder(reorder::primitive_desc(eng(), e->fpd.dst_desc(), eng(), actDesc(g.N, g.O, g.Ho, g.Wo)));
      e->diffSrcOut = reorder(reorder::primitive_desc(eng(), e->bpd.diff_src_desc(), eng(), actDesc(g.N, g.C, g.H, g.W)));
      e->ok = true;
    } catch (const dnnl::error&) {
      e->ok = false;  // no Winograd kernel for this host or shape: remembered, not retried
    }
    return e;
  });
  return e.ok ? &e : nullptr;
}

static void conv2dForwardWinograd(ConvWinograd& e, const ConvGeom& g, float* x, float* w, float* b, float* y) {
  memory dst = blockedDiffDstBuf.get(e.fpd.dst_desc());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, e.src.prepare(x)}, {DNNL_ARG_WEIGHTS, e.fwdWeights.prepare(w)}, {DNNL_ARG_DST, dst}};
  if (b) args.insert({DNNL_ARG_BIAS, memory(e.fpd.bias_desc(), eng(), b)});
  run(e.fwd, args, e.fpd.scratchpad_desc());
  execute(e.dstOut, {{DNNL_ARG_FROM, dst}, {DNNL_ARG_TO, memory(actDesc(g.N, g.O, g.Ho, g.Wo), eng(), y)}});
}

static void conv2dBackwardDataWinograd(ConvWinograd& e, const ConvGeom& g, float* gy, float* w, float* gx) {
  memory diffSrc = blockedDiffDstBuf.get(e.bpd.diff_src_desc());
  run(e.bwd, {{DNNL_ARG_DIFF_DST, e.diffDst.prepare(gy)}, {DNNL_ARG_WEIGHTS, e.bwdWeights.prepare(w)}, {DNNL_ARG_DIFF_SRC, diffSrc}},
      e.bpd.scratchpad_desc());
  execute(e.diffSrcOut, {{DNNL_ARG_FROM, diffSrc}, {DNNL_ARG_TO, memory(actDesc(g.N, g.C, g.H, g.W), eng(), gx)}});
}

// conv2dForward(x, xShape, w, wShape, bias|null, params, y)
static Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  const char* op = "conv2d";
  Dims xs = dims(info, 1, op, "xShape", 4), ws = dims(info, 3, op, "wShape", 4), p = dims(info, 5, op, "params");
  ConvGeom g = convGeom(info, op, xs, ws, p);
  float* x = f32(info, 0, op, "x", numel(xs), xs);
  float* w = f32(info, 2, op, "w", numel(ws), ws);
  float* b = f32OrNull(info, 4, op, "bias", g.O);
  float* y = f32(info, 6, op, "y", g.N * g.Ho * g.Wo * g.O);
  GUARD_BEGIN
  if (ConvWinograd* wg = convWinograd(g, b != nullptr)) {
    conv2dForwardWinograd(*wg, g, x, w, b, y);
    return info.Env().Undefined();
  }
  if (forwardAsTransposed(g, b != nullptr)) {
    conv2dForwardTransposed(g, x, w, y);
    return info.Env().Undefined();
  }
  ConvFwd& e = convFwd(g, b != nullptr);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(e.pd.src_desc(), eng(), x)}, {DNNL_ARG_WEIGHTS, e.weights.prepare(w)},
                                       {DNNL_ARG_DST, memory(e.pd.dst_desc(), eng(), y)}};
  if (b) args.insert({DNNL_ARG_BIAS, memory(e.pd.bias_desc(), eng(), b)});
  run(e.prim, args, e.pd.scratchpad_desc());
  GUARD_END(op, "x " + fmt(xs) + ", w " + fmt(ws))
  return info.Env().Undefined();
}

struct ConvBwdData : Entry {
  convolution_backward_data::primitive_desc pd;
  convolution_backward_data prim;
  ReorderIn weights;
};

// conv2dBackwardData(gy, w, xShape, wShape, params, gx)
static Napi::Value Conv2dBackwardData(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackwardData";
  Dims xs = dims(info, 2, op, "xShape", 4), ws = dims(info, 3, op, "wShape", 4), p = dims(info, 4, op, "params");
  ConvGeom g = convGeom(info, op, xs, ws, p);
  float* gy = f32(info, 0, op, "gy", g.N * g.Ho * g.Wo * g.O);
  float* w = f32(info, 1, op, "w", numel(ws), ws);
  float* gx = f32(info, 5, op, "gx", numel(xs), xs);
  if (plainStride1(g) && convBackwardDataFewChannels(gy, w, gx, g.N, g.H, g.W, g.C, g.O, g.kh, g.kw, g.padL[0], g.padR[0], g.padL[1], g.padR[1])) {
    return info.Env().Undefined();
  }
  GUARD_BEGIN
  if (ConvWinograd* wg = convWinograd(g, false)) {
    conv2dBackwardDataWinograd(*wg, g, gy, w, gx);
    return info.Env().Undefined();
  }
  ConvFwd& f = convFwd(g, false);
  std::string k = key("conv_bwd_data", {{g.N, g.H, g.W, g.C, g.O, g.kh, g.kw, g.G}, g.stride, g.dil, g.padL, g.padR});
  ConvBwdData& e = cache.get<ConvBwdData>(k, [&] {
    auto e = std::make_shared<ConvBwdData>();
    convolution_backward_data::desc d(algorithm::convolution_direct, actDesc(g.N, g.C, g.H, g.W), weightDesc(g, true),
                                      actDesc(g.N, g.O, g.Ho, g.Wo), g.stride, g.dil, g.padL, g.padR);
    e->pd = convolution_backward_data::primitive_desc(d, userScratch(), eng(), f.pd);
    e->prim = convolution_backward_data(e->pd);
    e->weights.init(weightDesc(g, false), e->pd.weights_desc());
    return e;
  });
  run(e.prim, {{DNNL_ARG_DIFF_DST, memory(e.pd.diff_dst_desc(), eng(), gy)}, {DNNL_ARG_WEIGHTS, e.weights.prepare(w)},
               {DNNL_ARG_DIFF_SRC, memory(e.pd.diff_src_desc(), eng(), gx)}}, e.pd.scratchpad_desc());
  GUARD_END(op, "x " + fmt(xs) + ", w " + fmt(ws))
  return info.Env().Undefined();
}

struct ConvBwdWeights : Entry {
  convolution_backward_weights::primitive_desc pd;
  convolution_backward_weights prim;
  memory gw;
  reorder toUser;
  bool needsReorder;
  ReorderIn src, diffDst;  // x and gy, to oneDNN's blocked layout when it chose one (see below)
};

/** The Winograd weight-gradient pass, or an empty descriptor where oneDNN has none for this host or shape. */
static convolution_backward_weights::primitive_desc winogradWeightsPd(const ConvGeom& g, const memory::desc& bdesc, const ConvWinograd& wg) {
  try {
    convolution_backward_weights::desc d(algorithm::convolution_winograd, actDesc(g.N, g.C, g.H, g.W, true), weightDesc(g, true), bdesc,
                                         actDesc(g.N, g.O, g.Ho, g.Wo, true), g.stride, g.dil, g.padL, g.padR);
    return convolution_backward_weights::primitive_desc(d, userScratch(), eng(), wg.fpd);
  } catch (const dnnl::error&) {
    return convolution_backward_weights::primitive_desc();
  }
}

static convolution_backward_weights::primitive_desc directWeightsPd(const ConvGeom& g, const memory::desc& bdesc, bool bias) {
  ConvFwd& f = convFwd(g, bias);
  // oneDNN's AVX2 backward-weights kernel runs 1.2-1.7x faster on its blocked layout (nChw8c) than on
  // NHWC for 16-64 channels (measured, 3x3, batch 16-64), more than paying for reordering x and gy;
  // for ungrouped convs with channel counts in whole blocks, let it choose the activation layout.
  // 1x1 kernels stay in NHWC: there the reorders cost more than the blocked kernel saves (1.5 vs 3.3 ms, 64->128 at 56x56 stride 2).
  const bool any = g.G == 1 && g.C % 8 == 0 && g.O % 8 == 0 && g.kh * g.kw > 1;
  convolution_backward_weights::desc d(algorithm::convolution_direct, actDesc(g.N, g.C, g.H, g.W, any), weightDesc(g, true), bdesc,
                                       actDesc(g.N, g.O, g.Ho, g.Wo, any), g.stride, g.dil, g.padL, g.padR);
  return convolution_backward_weights::primitive_desc(d, userScratch(), eng(), f.pd);
}

// conv2dBackwardWeights(gy, x, xShape, wShape, params, gw, gb|null)
static Napi::Value Conv2dBackwardWeights(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackwardWeights";
  Dims xs = dims(info, 2, op, "xShape", 4), ws = dims(info, 3, op, "wShape", 4), p = dims(info, 4, op, "params");
  ConvGeom g = convGeom(info, op, xs, ws, p);
  float* gy = f32(info, 0, op, "gy", g.N * g.Ho * g.Wo * g.O);
  float* x = f32(info, 1, op, "x", numel(xs), xs);
  float* gw = f32(info, 5, op, "gw", numel(ws), ws);
  float* gb = f32OrNull(info, 6, op, "gb", g.O);
  bool bias = gb != nullptr;
  if (plainStride1(g) && g.C == 1 && convBackwardWeightsOneChannel(gy, x, gw, gb, g.N, g.H, g.W, g.O, g.kh, g.kw, g.padL[0], g.padR[0], g.padL[1], g.padR[1])) {
    return info.Env().Undefined();
  }
  GUARD_BEGIN
  // Winograd's weight gradient beat the direct kernel from 64 channels on (1.3-1.8x with the reorders;
  // at 32 channels it was 6% slower: docs/PERFORMANCE.md)
  ConvWinograd* wg = g.C >= 64 && g.O >= 64 ? convWinograd(g, bias) : nullptr;
  std::string k = key(wg ? "conv_bwd_w_wino" : "conv_bwd_w", {{g.N, g.H, g.W, g.C, g.O, g.kh, g.kw, g.G, bias}, g.stride, g.dil, g.padL, g.padR});
  ConvBwdWeights& e = cache.get<ConvBwdWeights>(k, [&] {
    auto e = std::make_shared<ConvBwdWeights>();
    auto bdesc = bias ? memory::desc({g.O}, dt::f32, tag::x) : memory::desc();
    if (wg) e->pd = winogradWeightsPd(g, bdesc, *wg);
    if (!e->pd) e->pd = directWeightsPd(g, bdesc, bias);
    e->prim = convolution_backward_weights(e->pd);
    e->src.init(actDesc(g.N, g.C, g.H, g.W), e->pd.src_desc(), &blockedSrcBuf);
    e->diffDst.init(actDesc(g.N, g.O, g.Ho, g.Wo), e->pd.diff_dst_desc(), &blockedDiffDstBuf);
    e->needsReorder = e->pd.diff_weights_desc() != weightDesc(g, false);
    if (e->needsReorder) {
      e->gw = memory(e->pd.diff_weights_desc(), eng());
      e->toUser = reorder(reorder::primitive_desc(eng(), e->pd.diff_weights_desc(), eng(), weightDesc(g, false)));
    }
    return e;
  });
  memory gwUser(weightDesc(g, false), eng(), gw);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, e.src.prepare(x)}, {DNNL_ARG_DIFF_DST, e.diffDst.prepare(gy)},
                                       {DNNL_ARG_DIFF_WEIGHTS, e.needsReorder ? e.gw : gwUser}};
  if (bias) args.insert({DNNL_ARG_DIFF_BIAS, memory(e.pd.diff_bias_desc(), eng(), gb)});
  run(e.prim, args, e.pd.scratchpad_desc());
  if (e.needsReorder) execute(e.toUser, {{DNNL_ARG_FROM, e.gw}, {DNNL_ARG_TO, gwUser}});
  GUARD_END(op, "x " + fmt(xs) + ", w " + fmt(ws))
  return info.Env().Undefined();
}

// ============================== pooling ==============================
// kind: 0 max, 1 avg counting padding, 2 avg excluding padding; params [kh, kw, sh, sw, ph, pw]
struct PoolFwd : Entry {
  pooling_v2_forward::primitive_desc pd;
  pooling_v2_forward prim;
  size_t workspace = 0;
};
struct PoolGeom { int64_t N, H, W, C, Ho, Wo; Dims kernel, stride, padL, padR; algorithm alg; };

static PoolGeom poolGeom(const Napi::CallbackInfo& info, const char* op, int kind, const Dims& x, const Dims& p) {
  if (p.size() != 6) fail(info.Env(), op, "params must be [kh, kw, sh, sw, ph, pw]");
  PoolGeom g{x[0], x[1], x[2], x[3], 0, 0, {p[0], p[1]}, {p[2], p[3]}, {p[4], p[5]}, {0, 0},
             kind == 0 ? algorithm::pooling_max : kind == 1 ? algorithm::pooling_avg_include_padding : algorithm::pooling_avg_exclude_padding};
  if (p[2] < 1 || p[3] < 1) fail(info.Env(), op, "stride must be ≥ 1");
  g.Ho = (g.H + 2 * p[4] - p[0]) / p[2] + 1;
  g.Wo = (g.W + 2 * p[5] - p[1]) / p[3] + 1;
  if (g.Ho < 1 || g.Wo < 1) fail(info.Env(), op, "input " + fmt(x) + " is smaller than the window");
  // right padding that makes floor-mode output sizes exact (never more than the left padding)
  g.padR = {(g.Ho - 1) * p[2] + p[0] - g.H - p[4], (g.Wo - 1) * p[3] + p[1] - g.W - p[5]};
  return g;
}

static PoolFwd& poolFwd(const PoolGeom& g) {
  std::string k = key("pool_fwd", {{g.N, g.H, g.W, g.C, static_cast<int64_t>(g.alg)}, g.kernel, g.stride, g.padL, g.padR});
  return cache.get<PoolFwd>(k, [&] {
    auto e = std::make_shared<PoolFwd>();
    pooling_v2_forward::desc d(prop_kind::forward_training, g.alg, actDesc(g.N, g.C, g.H, g.W), actDesc(g.N, g.C, g.Ho, g.Wo),
                               g.stride, g.kernel, {0, 0}, g.padL, g.padR);
    e->pd = pooling_v2_forward::primitive_desc(d, userScratch(), eng());
    e->prim = pooling_v2_forward(e->pd);
    e->workspace = g.alg == algorithm::pooling_max ? e->pd.workspace_desc().get_size() : 0;
    return e;
  });
}

// pool2dForward(kind, x, xShape, params, y) -> workspace ArrayBuffer | null
static Napi::Value Pool2dForward(const Napi::CallbackInfo& info) {
  const char* op = "pool2d";
  int kind = static_cast<int>(num(info, 0, op, "kind"));
  Dims xs = dims(info, 2, op, "xShape", 4), p = dims(info, 3, op, "params");
  PoolGeom g = poolGeom(info, op, kind, xs, p);
  float* x = f32(info, 1, op, "x", numel(xs), xs);
  float* y = f32(info, 4, op, "y", g.N * g.Ho * g.Wo * g.C);
  Napi::Value result = info.Env().Null();
  GUARD_BEGIN
  PoolFwd& e = poolFwd(g);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(e.pd.src_desc(), eng(), x)}, {DNNL_ARG_DST, memory(e.pd.dst_desc(), eng(), y)}};
  if (e.workspace) {
    auto ws = Napi::ArrayBuffer::New(info.Env(), e.workspace);
    args.insert({DNNL_ARG_WORKSPACE, memory(e.pd.workspace_desc(), eng(), ws.Data())});
    result = ws;
  }
  run(e.prim, args, e.pd.scratchpad_desc());
  GUARD_END(op, "x " + fmt(xs))
  return result;
}

struct PoolBwd : Entry {
  pooling_v2_backward::primitive_desc pd;
  pooling_v2_backward prim;
};

// pool2dBackward(kind, gy, xShape, params, workspace|null, gx)
static Napi::Value Pool2dBackward(const Napi::CallbackInfo& info) {
  const char* op = "pool2dBackward";
  int kind = static_cast<int>(num(info, 0, op, "kind"));
  Dims xs = dims(info, 2, op, "xShape", 4), p = dims(info, 3, op, "params");
  PoolGeom g = poolGeom(info, op, kind, xs, p);
  float* gy = f32(info, 1, op, "gy", g.N * g.Ho * g.Wo * g.C);
  float* gx = f32(info, 5, op, "gx", numel(xs), xs);
  GUARD_BEGIN
  PoolFwd& f = poolFwd(g);
  std::string k = key("pool_bwd", {{g.N, g.H, g.W, g.C, static_cast<int64_t>(g.alg)}, g.kernel, g.stride, g.padL, g.padR});
  PoolBwd& e = cache.get<PoolBwd>(k, [&] {
    auto e = std::make_shared<PoolBwd>();
    pooling_v2_backward::desc d(g.alg, actDesc(g.N, g.C, g.H, g.W), actDesc(g.N, g.C, g.Ho, g.Wo), g.stride, g.kernel, {0, 0}, g.padL, g.padR);
    e->pd = pooling_v2_backward::primitive_desc(d, userScratch(), eng(), f.pd);
    e->prim = pooling_v2_backward(e->pd);
    return e;
  });
  std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, memory(e.pd.diff_dst_desc(), eng(), gy)},
                                       {DNNL_ARG_DIFF_SRC, memory(e.pd.diff_src_desc(), eng(), gx)}};
  if (f.workspace) {
    if (!info[4].IsArrayBuffer() || info[4].As<Napi::ArrayBuffer>().ByteLength() != f.workspace) {
      fail(info.Env(), op, "workspace must be the ArrayBuffer returned by the forward pass of the same shapes");
    }
    args.insert({DNNL_ARG_WORKSPACE, memory(f.pd.workspace_desc(), eng(), info[4].As<Napi::ArrayBuffer>().Data())});
  }
  run(e.prim, args, e.pd.scratchpad_desc());
  GUARD_END(op, "x " + fmt(xs))
  return info.Env().Undefined();
}

// ============================== batch normalisation ==============================
// [rows, C] seen as NHWC {1, C, rows, 1}: same memory, but oneDNN picks its fast channels-last
// kernels (the plain 2-D 'nc' layout falls to a slow generic one: 70 ms a call on ResNet shapes).
static memory::desc bnDesc(int64_t rows, int64_t C) { return memory::desc({1, C, rows, 1}, dt::f32, tag::nhwc); }

struct BnFwd : Entry {
  batch_normalization_forward::primitive_desc pd;
  batch_normalization_forward prim;
  size_t workspace = 0;  // bytes of the ReLU mask (training with relu only)
};
// relu: oneDNN's fuse_norm_relu, y = max(BN(x), 0) in the same pass; in training it keeps a
// bit mask (the workspace) that the backward pass needs.
static normalization_flags bnFlags(bool training, bool relu) {
  auto flags = normalization_flags::use_scale | normalization_flags::use_shift;
  if (!training) flags = flags | normalization_flags::use_global_stats;
  if (relu) flags = flags | normalization_flags::fuse_norm_relu;
  return flags;
}
static BnFwd& bnFwd(int64_t rows, int64_t C, float eps, bool training, bool relu) {
  std::string k = key("bn_fwd", {{rows, C, training, relu}}) + std::to_string(eps);
  return cache.get<BnFwd>(k, [&] {
    auto e = std::make_shared<BnFwd>();
    batch_normalization_forward::desc d(training ? prop_kind::forward_training : prop_kind::forward_inference,
                                        bnDesc(rows, C), eps, bnFlags(training, relu));
    e->pd = batch_normalization_forward::primitive_desc(d, userScratch(), eng());
    e->prim = batch_normalization_forward(e->pd);
    e->workspace = training && relu ? e->pd.workspace_desc().get_size() : 0;
    return e;
  });
}

// batchNormForward(x, rows, C, gamma, beta, eps, training, mean, var, y, relu) -> workspace ArrayBuffer | null
// training writes mean/var, inference reads them
static Napi::Value BatchNormForward(const Napi::CallbackInfo& info) {
  const char* op = "batchNorm";
  int64_t rows = static_cast<int64_t>(num(info, 1, op, "rows")), C = static_cast<int64_t>(num(info, 2, op, "C"));
  float eps = static_cast<float>(num(info, 5, op, "eps"));
  bool training = flag(info, 6), relu = flag(info, 10);
  float* x = f32(info, 0, op, "x", rows * C, {rows, C});
  float* gamma = f32(info, 3, op, "gamma", C);
  float* beta = f32(info, 4, op, "beta", C);
  float* mean = f32(info, 7, op, "mean", C);
  float* var = f32(info, 8, op, "var", C);
  float* y = f32(info, 9, op, "y", rows * C);
  Napi::Value result = info.Env().Null();
  GUARD_BEGIN
  BnFwd& e = bnFwd(rows, C, eps, training, relu);
  memory::desc cd({C}, dt::f32, tag::x);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(e.pd.src_desc(), eng(), x)}, {DNNL_ARG_DST, memory(e.pd.dst_desc(), eng(), y)},
               {DNNL_ARG_SCALE, memory(cd, eng(), gamma)}, {DNNL_ARG_SHIFT, memory(cd, eng(), beta)},
               {DNNL_ARG_MEAN, memory(cd, eng(), mean)}, {DNNL_ARG_VARIANCE, memory(cd, eng(), var)}};
  if (e.workspace) {
    auto ws = Napi::ArrayBuffer::New(info.Env(), e.workspace);
    args.insert({DNNL_ARG_WORKSPACE, memory(e.pd.workspace_desc(), eng(), ws.Data())});
    result = ws;
  }
  run(e.prim, args, e.pd.scratchpad_desc());
  GUARD_END(op, "x [" + std::to_string(rows) + ", " + std::to_string(C) + "]")
  return result;
}

struct BnBwd : Entry {
  batch_normalization_backward::primitive_desc pd;
  batch_normalization_backward prim;
};

// batchNormBackward(gy, x, rows, C, gamma, mean, var, eps, training, gx, ggamma, gbeta, workspace|null):
// a workspace (from a training forward with relu) makes it the backward of max(BN(x), 0)
static Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  const char* op = "batchNormBackward";
  int64_t rows = static_cast<int64_t>(num(info, 2, op, "rows")), C = static_cast<int64_t>(num(info, 3, op, "C"));
  float eps = static_cast<float>(num(info, 7, op, "eps"));
  bool training = flag(info, 8);
  bool relu = info.Length() > 12 && !info[12].IsNull() && !info[12].IsUndefined();
  float* gy = f32(info, 0, op, "gy", rows * C);
  float* x = f32(info, 1, op, "x", rows * C, {rows, C});
  float* gamma = f32(info, 4, op, "gamma", C);
  float* mean = f32(info, 5, op, "mean", C);
  float* var = f32(info, 6, op, "var", C);
  float* gx = f32(info, 9, op, "gx", rows * C);
  float* gg = f32(info, 10, op, "ggamma", C);
  float* gb = f32(info, 11, op, "gbeta", C);
  GUARD_BEGIN
  BnFwd& f = bnFwd(rows, C, eps, training, relu);
  if (relu && (!training || !info[12].IsArrayBuffer() || info[12].As<Napi::ArrayBuffer>().ByteLength() != f.workspace)) {
    fail(info.Env(), op, "workspace must be the ArrayBuffer returned by the training forward pass with relu of the same shapes");
  }
  std::string k = key("bn_bwd", {{rows, C, training, relu}}) + std::to_string(eps);
  BnBwd& e = cache.get<BnBwd>(k, [&] {
    auto e = std::make_shared<BnBwd>();
    batch_normalization_backward::desc d(prop_kind::backward, bnDesc(rows, C), bnDesc(rows, C), eps, bnFlags(training, relu));
    e->pd = batch_normalization_backward::primitive_desc(d, userScratch(), eng(), f.pd);
    e->prim = batch_normalization_backward(e->pd);
    return e;
  });
  memory::desc cd({C}, dt::f32, tag::x);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(e.pd.src_desc(), eng(), x)}, {DNNL_ARG_DIFF_DST, memory(e.pd.diff_dst_desc(), eng(), gy)},
               {DNNL_ARG_MEAN, memory(cd, eng(), mean)}, {DNNL_ARG_VARIANCE, memory(cd, eng(), var)},
               {DNNL_ARG_SCALE, memory(cd, eng(), gamma)}, {DNNL_ARG_SHIFT, memory(cd, eng(), gb)},  // not read, but oneDNN 2.6 wants it bound with use_shift
               {DNNL_ARG_DIFF_SRC, memory(e.pd.diff_src_desc(), eng(), gx)},
               {DNNL_ARG_DIFF_SCALE, memory(cd, eng(), gg)}, {DNNL_ARG_DIFF_SHIFT, memory(cd, eng(), gb)}};
  if (relu) args.insert({DNNL_ARG_WORKSPACE, memory(f.pd.workspace_desc(), eng(), info[12].As<Napi::ArrayBuffer>().Data())});
  run(e.prim, args, e.pd.scratchpad_desc());
  GUARD_END(op, "x [" + std::to_string(rows) + ", " + std::to_string(C) + "]")
  return info.Env().Undefined();
}

// ============================== matmul ==============================
struct Matmul : Entry {
  matmul::primitive_desc pd;
  matmul prim;
};

// matmul(a, b, batchA, batchB, m, k, n, transA, transB, out)
static Napi::Value MatmulOp(const Napi::CallbackInfo& info) {
  const char* op = "matmul";
  int64_t bA = static_cast<int64_t>(num(info, 2, op, "batchA")), bB = static_cast<int64_t>(num(info, 3, op, "batchB"));
  int64_t m = static_cast<int64_t>(num(info, 4, op, "m")), k = static_cast<int64_t>(num(info, 5, op, "k")), n = static_cast<int64_t>(num(info, 6, op, "n"));
  bool tA = flag(info, 7), tB = flag(info, 8);
  if (bA != bB && bA != 1 && bB != 1) fail(info.Env(), op, "batch sizes " + std::to_string(bA) + " and " + std::to_string(bB) + " do not broadcast");
  int64_t batch = std::max(bA, bB);
  float* a = f32(info, 0, op, "a", bA * m * k, {bA, tA ? k : m, tA ? m : k});
  float* b = f32(info, 1, op, "b", bB * k * n, {bB, tB ? n : k, tB ? k : n});
  float* c = f32(info, 9, op, "out", batch * m * n);
  if (m == 0 || n == 0 || batch == 0) return info.Env().Undefined();
  auto shapes = [&] { return "[" + std::to_string(m) + "x" + std::to_string(k) + "] @ [" + std::to_string(k) + "x" + std::to_string(n) + "]"; };
  if (batch == 1) {
    // One product: oneDNN's sgemm directly. It runs the same JIT kernels as the matmul primitive without
    // the primitive's per-call cost (memory objects, argument map, cache key: ~3 µs, which is most of a
    // small layer's product, e.g. an MLP's 64×64×10).
    dnnl_status_t s;
    {
      SignalsHeld held;  // the JIT kernels' stack, as in execute()
      s = dnnl_sgemm(tA ? 'T' : 'N', tB ? 'T' : 'N', m, n, k, 1.f, a, tA ? m : k, b, tB ? k : n, 0.f, c, n);
    }
    if (s != dnnl_success) {
      fail(info.Env(), op, "oneDNN's sgemm refused " + shapes() + " (status " + std::to_string(static_cast<int>(s)) + ")");
    }
    return info.Env().Undefined();
  }
  GUARD_BEGIN
  std::string key_ = key("matmul", {{bA, bB, m, k, n, tA, tB}});
  Matmul& e = cache.get<Matmul>(key_, [&] {
    auto e = std::make_shared<Matmul>();
    memory::desc ad({bA, m, k}, dt::f32, tA ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1});
    memory::desc bd({bB, k, n}, dt::f32, tB ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1});
    memory::desc cdsc({batch, m, n}, dt::f32, memory::dims{m * n, n, 1});
    e->pd = matmul::primitive_desc(matmul::desc(ad, bd, cdsc), userScratch(), eng());
    e->prim = matmul(e->pd);
    return e;
  });
  run(e.prim, {{DNNL_ARG_SRC, memory(e.pd.src_desc(), eng(), a)}, {DNNL_ARG_WEIGHTS, memory(e.pd.weights_desc(), eng(), b)},
               {DNNL_ARG_DST, memory(e.pd.dst_desc(), eng(), c)}}, e.pd.scratchpad_desc());
  GUARD_END(op, shapes())
  return info.Env().Undefined();
}

// ============================== eltwise ==============================
// alg codes: 0 relu(alpha=slope) 1 elu 2 sigmoid 3 tanh 4 silu 5 exp 6 log 7 sqrt 8 abs
static algorithm eltAlg(int code) {
  static const algorithm a[] = {algorithm::eltwise_relu, algorithm::eltwise_elu, algorithm::eltwise_logistic, algorithm::eltwise_tanh,
                                algorithm::eltwise_swish, algorithm::eltwise_exp, algorithm::eltwise_log, algorithm::eltwise_sqrt,
                                algorithm::eltwise_abs};
  return a[code];
}
struct EltFwd : Entry { eltwise_forward::primitive_desc pd; eltwise_forward prim; };
struct EltBwd : Entry { eltwise_backward::primitive_desc pd; eltwise_backward prim; };

static EltFwd& eltFwd(int code, int64_t n, float alpha) {
  return cache.get<EltFwd>(key("elt_fwd", {{code, n}}) + std::to_string(alpha), [&] {
    auto e = std::make_shared<EltFwd>();
    eltwise_forward::desc d(prop_kind::forward_training, eltAlg(code), memory::desc({n}, dt::f32, tag::x), alpha, 0.f);
    e->pd = eltwise_forward::primitive_desc(d, userScratch(), eng());
    e->prim = eltwise_forward(e->pd);
    return e;
  });
}

// eltwiseForward(code, x, y, alpha)
static Napi::Value EltwiseForward(const Napi::CallbackInfo& info) {
  const char* op = "eltwise";
  int code = static_cast<int>(num(info, 0, op, "code"));
  if (code < 0 || code > 8) fail(info.Env(), op, "unknown eltwise code " + std::to_string(code));
  float* x = f32(info, 1, op, "x", -1);
  int64_t n = info[1].As<Napi::Float32Array>().ElementLength();
  float* y = f32(info, 2, op, "y", n);
  float alpha = static_cast<float>(num(info, 3, op, "alpha"));
  if (n == 0) return info.Env().Undefined();
  GUARD_BEGIN
  EltFwd& e = eltFwd(code, n, alpha);
  run(e.prim, {{DNNL_ARG_SRC, memory(e.pd.src_desc(), eng(), x)}, {DNNL_ARG_DST, memory(e.pd.dst_desc(), eng(), y)}}, e.pd.scratchpad_desc());
  GUARD_END(op, "[" + std::to_string(n) + "]")
  return info.Env().Undefined();
}

// eltwiseBackward(code, x, gy, gx, alpha)
static Napi::Value EltwiseBackward(const Napi::CallbackInfo& info) {
  const char* op = "eltwiseBackward";
  int code = static_cast<int>(num(info, 0, op, "code"));
  if (code < 0 || code > 8) fail(info.Env(), op, "unknown eltwise code " + std::to_string(code));
  float* x = f32(info, 1, op, "x", -1);
  int64_t n = info[1].As<Napi::Float32Array>().ElementLength();
  float* gy = f32(info, 2, op, "gy", n);
  float* gx = f32(info, 3, op, "gx", n);
  float alpha = static_cast<float>(num(info, 4, op, "alpha"));
  if (n == 0) return info.Env().Undefined();
  GUARD_BEGIN
  EltFwd& f = eltFwd(code, n, alpha);
  EltBwd& e = cache.get<EltBwd>(key("elt_bwd", {{code, n}}) + std::to_string(alpha), [&] {
    auto e = std::make_shared<EltBwd>();
    memory::desc d1({n}, dt::f32, tag::x);
    eltwise_backward::desc d(eltAlg(code), d1, d1, alpha, 0.f);
    e->pd = eltwise_backward::primitive_desc(d, userScratch(), eng(), f.pd);
    e->prim = eltwise_backward(e->pd);
    return e;
  });
  run(e.prim, {{DNNL_ARG_SRC, memory(e.pd.src_desc(), eng(), x)}, {DNNL_ARG_DIFF_DST, memory(e.pd.diff_dst_desc(), eng(), gy)},
               {DNNL_ARG_DIFF_SRC, memory(e.pd.diff_src_desc(), eng(), gx)}}, e.pd.scratchpad_desc());
  GUARD_END(op, "[" + std::to_string(n) + "]")
  return info.Env().Undefined();
}

// ============================== reduction ==============================
struct Reduce : Entry { reduction::primitive_desc pd; reduction prim; };

static memory::dims rowMajor(const Dims& d) {
  memory::dims s(d.size());
  int64_t acc = 1;
  for (int i = static_cast<int>(d.size()) - 1; i >= 0; i--) { s[i] = acc; acc *= d[i]; }
  return s;
}

// reduce(code 0 sum / 1 max / 2 min, x, shape, outShape(kept dims = 1), out)
static Napi::Value ReduceOp(const Napi::CallbackInfo& info) {
  const char* op = "reduce";
  int code = static_cast<int>(num(info, 0, op, "code"));
  Dims xs = dims(info, 2, op, "shape"), os = dims(info, 3, op, "outShape");
  if (xs.size() != os.size() || xs.empty() || xs.size() > 12) fail(info.Env(), op, "shapes " + fmt(xs) + " and " + fmt(os) + " do not match");
  for (size_t i = 0; i < xs.size(); i++) if (os[i] != xs[i] && os[i] != 1) fail(info.Env(), op, "cannot reduce " + fmt(xs) + " to " + fmt(os));
  float* x = f32(info, 1, op, "x", numel(xs), xs);
  float* y = f32(info, 4, op, "out", numel(os), os);
  if (numel(xs) == 0) return info.Env().Undefined();
  GUARD_BEGIN
  Reduce& e = cache.get<Reduce>(key("reduce", {{code}, xs, os}), [&] {
    auto e = std::make_shared<Reduce>();
    algorithm alg = code == 0 ? algorithm::reduction_sum : code == 1 ? algorithm::reduction_max : algorithm::reduction_min;
    reduction::desc d(alg, memory::desc(xs, dt::f32, rowMajor(xs)), memory::desc(os, dt::f32, rowMajor(os)), 0.f, 0.f);
    e->pd = reduction::primitive_desc(d, userScratch(), eng());
    e->prim = reduction(e->pd);
    return e;
  });
  run(e.prim, {{DNNL_ARG_SRC, memory(e.pd.src_desc(), eng(), x)}, {DNNL_ARG_DST, memory(e.pd.dst_desc(), eng(), y)}}, e.pd.scratchpad_desc());
  GUARD_END(op, fmt(xs) + " -> " + fmt(os))
  return info.Env().Undefined();
}

static Napi::Value CacheStats(const Napi::CallbackInfo& info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("size", static_cast<double>(cache.size()));
  o.Set("capacity", static_cast<double>(cache.capacity_));
  o.Set("hits", static_cast<double>(cache.hits_));
  o.Set("misses", static_cast<double>(cache.misses_));
  return o;
}

void RegisterDnnl(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2dForward", Napi::Function::New(env, Conv2dForward));
  exports.Set("conv2dBackwardData", Napi::Function::New(env, Conv2dBackwardData));
  exports.Set("conv2dBackwardWeights", Napi::Function::New(env, Conv2dBackwardWeights));
  exports.Set("pool2dForward", Napi::Function::New(env, Pool2dForward));
  exports.Set("pool2dBackward", Napi::Function::New(env, Pool2dBackward));
  exports.Set("batchNormForward", Napi::Function::New(env, BatchNormForward));
  exports.Set("batchNormBackward", Napi::Function::New(env, BatchNormBackward));
  exports.Set("matmul", Napi::Function::New(env, MatmulOp));
  exports.Set("eltwiseForward", Napi::Function::New(env, EltwiseForward));
  exports.Set("eltwiseBackward", Napi::Function::New(env, EltwiseBackward));
  exports.Set("reduce", Napi::Function::New(env, ReduceOp));
  exports.Set("cacheStats", Napi::Function::New(env, CacheStats));
}

}  // namespace specnet
