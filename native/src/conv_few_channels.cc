// Two convolution passes with few channels, where oneDNN 2.6 vectorises over the channels and leaves
// most vector lanes idle (LeNet-5: 6 of 16), done by our own AVX-512 kernels vectorised along the width:
// - the data gradient of a convolution with few input channels (LeNet-5's second: 6 in, 16 out, 5x5),
// - the weight gradient of a convolution from one channel to at most 6 (LeNet-5's first: 1 -> 6, 5x5).
// Builds without AVX-512 compile stubs that hand both back to oneDNN.
//
// The data gradient. With stride 1 and no dilation, in NHWC activations and OHWI weights,
//   gx[n, y+i-pT, x+j-pL, c] += sum_o gy[n, y, x, o] * W[o, i, j, c]
// so one output gradient position (y, x) adds, to each of the kh rows y+i of gx, the kw*C floats
// starting at column x: the row i of W seen as an O x (kw*C) matrix, times the O values gy[n, y, x, :].
// Those kw*C floats (30 for LeNet-5) fill R vectors of 16; the kh*R vectors of one position stay in
// registers over the loop on o, each broadcast of a gy value feeding kh*R fused multiply-adds.
// Measured on this 2-core Zen 4: 1.4 ms where oneDNN takes 2.7 (LeNet-5 64x64, batch 64).
#include "common.h"

#include <algorithm>
#include <cstring>
#include <vector>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace specnet {

#if defined(__AVX512F__)
namespace {

struct Geometry {
  int64_t N, H, W, C, O, kh, kw, pT, pB, pL, pR;
  int64_t Ho() const { return H + pT + pB - kh + 1; }
  int64_t Wo() const { return W + pL + pR - kw + 1; }
};

template <int KH, int R>
void backwardData(const Geometry& g, const float* gy, const float* packed, float* gx) {
  constexpr int V = KH * R;  // vectors of one position's contribution
  const int64_t Ho = g.Ho(), Wo = g.Wo(), Hp = g.H + g.pT + g.pB, Wp = g.W + g.pL + g.pR, C = g.C, O = g.O, kw = g.kw;
  const int64_t L = kw * C;
  const __mmask16 last = (L % 16) ? static_cast<__mmask16>((1u << (L % 16)) - 1) : static_cast<__mmask16>(0xFFFF);
  const bool padded = g.pT || g.pB || g.pL || g.pR;
#pragma omp parallel
  {
    // with padding, an image's gradient is summed into a padded plane and its interior copied out
    std::vector<float> plane(padded ? Hp * Wp * C : 0);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < g.N; n++) {
      float* t = padded ? plane.data() : gx + n * g.H * g.W * C;
      std::memset(t, 0, Hp * Wp * C * sizeof(float));
      for (int64_t y = 0; y < Ho; y++) {
        const float* gyRow = gy + (n * Ho + y) * Wo * O;
        auto add = [&](const __m512* acc, int64_t x) {
          for (int v = 0; v < V; v++) {
            const int i = v / R, r = v % R;
            float* d = t + ((y + i) * Wp + x) * C + r * 16;
            const __mmask16 m = r == R - 1 ? last : static_cast<__mmask16>(0xFFFF);
            _mm512_mask_storeu_ps(d, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, d), acc[v]));
          }
        };
        // Two positions share each weight load. They are x and x+kw, whose outputs do not overlap: with
        // x and x+1 the second read-modify-write would wait for the first one's stores (122 against 144 GFLOP/s).
        int64_t x = 0;
        for (; x + 2 * kw <= Wo; x += 2 * kw) {
          for (int64_t j = 0; j < kw; j++) {
            __m512 a0[V], a1[V];
            for (int v = 0; v < V; v++) a0[v] = a1[v] = _mm512_setzero_ps();
            const float* g0 = gyRow + (x + j) * O;
            const float* g1 = g0 + kw * O;
            for (int64_t o = 0; o < O; o++) {
              const __m512 b0 = _mm512_set1_ps(g0[o]), b1 = _mm512_set1_ps(g1[o]);
              const float* w = packed + o * V * 16;
#pragma GCC unroll 16
              for (int v = 0; v < V; v++) {
                const __m512 wv = _mm512_loadu_ps(w + v * 16);
                a0[v] = _mm512_fmadd_ps(wv, b0, a0[v]);
                a1[v] = _mm512_fmadd_ps(wv, b1, a1[v]);
              }
            }
            add(a0, x + j);
            add(a1, x + j + kw);
          }
        }
        for (; x < Wo; x++) {
          __m512 a0[V];
          for (int v = 0; v < V; v++) a0[v] = _mm512_setzero_ps();
          const float* g0 = gyRow + x * O;
          for (int64_t o = 0; o < O; o++) {
            const __m512 b0 = _mm512_set1_ps(g0[o]);
            const float* w = packed + o * V * 16;
#pragma GCC unroll 16
            for (int v = 0; v < V; v++) a0[v] = _mm512_fmadd_ps(_mm512_loadu_ps(w + v * 16), b0, a0[v]);
          }
          add(a0, x);
        }
      }
      if (padded) {
        for (int64_t h = 0; h < g.H; h++) {
          std::memcpy(gx + (n * g.H + h) * g.W * C, t + ((h + g.pT) * Wp + g.pL) * C, g.W * C * sizeof(float));
        }
      }
    }
  }
}

using Kernel = void (*)(const Geometry&, const float*, const float*, float*);
template <int R>
Kernel pick(int64_t kh) {
  switch (kh) {
    case 1: return backwardData<1, R>;
    case 2: return backwardData<2, R>;
    case 3: return backwardData<3, R>;
    case 4: return backwardData<4, R>;
    case 5: return backwardData<5, R>;
    default: return nullptr;
  }
}

// ---- the weight gradient of a convolution from one channel to few (LeNet-5's first: 1 -> 6, 5x5) ----
// oneDNN 2.6 runs it at ~48 GFLOP/s, vectorised over the 6 output channels. Here each output-gradient
// row y is laid out channel-planar (gt[o][x], zero beyond the row's end) and held in OC x 4 registers,
// 64 columns at a time, while every kernel cell (i, j) adds
//   gw[o, i, j] += sum_x gt[o][x] * xP[y + i][x + j]
// to its 16-lane partial sum in L1 (xP: the image with its zero padding). One load of x serves the OC
// output channels; the lanes are summed once at the end.
template <int OC>
void weightsOneChannel(const Geometry& g, const float* gy, const float* x, float* gw, float* gb) {
  constexpr int NV = 4;  // vectors of columns per pass
  const int64_t Ho = g.Ho(), Wo = g.Wo(), Hp = g.H + g.pT + g.pB, kh = g.kh, kw = g.kw, K = kh * kw;
  const int64_t chunks = (Wo + 16 * NV - 1) / (16 * NV), rowP = chunks * NV * 16;  // gy columns, padded
  const int64_t rowX = rowP + kw + 16;                                              // x columns, padded
  std::vector<float> total(OC * K + OC, 0.0f);
#pragma omp parallel
  {
    std::vector<float> gt(OC * rowP, 0.0f), xP(Hp * rowX), accW(OC * K * 16, 0.0f), accB(OC * 16, 0.0f);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < g.N; n++) {
      std::fill(xP.begin(), xP.end(), 0.0f);
      for (int64_t h = 0; h < g.H; h++) std::memcpy(&xP[(h + g.pT) * rowX + g.pL], x + (n * g.H + h) * g.W, g.W * sizeof(float));
      for (int64_t y = 0; y < Ho; y++) {
        const float* gr = gy + (n * Ho + y) * Wo * OC;
        for (int64_t c = 0; c < Wo; c++)
          for (int o = 0; o < OC; o++) gt[o * rowP + c] = gr[c * OC + o];  // columns from Wo on stay zero
        for (int64_t ch = 0; ch < chunks; ch++) {
          __m512 gv[OC][NV];
          for (int o = 0; o < OC; o++) {
            for (int v = 0; v < NV; v++) gv[o][v] = _mm512_loadu_ps(&gt[o * rowP + (ch * NV + v) * 16]);
            const __m512 s = _mm512_add_ps(_mm512_add_ps(gv[o][0], gv[o][1]), _mm512_add_ps(gv[o][2], gv[o][3]));
            _mm512_storeu_ps(&accB[o * 16], _mm512_add_ps(_mm512_loadu_ps(&accB[o * 16]), s));
          }
          for (int64_t i = 0; i < kh; i++) {
            const float* xr = &xP[(y + i) * rowX + ch * NV * 16];
            for (int64_t j = 0; j < kw; j++) {
              __m512 xv[NV];
              for (int v = 0; v < NV; v++) xv[v] = _mm512_loadu_ps(xr + j + v * 16);
              for (int o = 0; o < OC; o++) {
                float* a = &accW[(o * K + i * kw + j) * 16];
                __m512 acc = _mm512_mul_ps(gv[o][0], xv[0]);
                for (int v = 1; v < NV; v++) acc = _mm512_fmadd_ps(gv[o][v], xv[v], acc);
                _mm512_storeu_ps(a, _mm512_add_ps(_mm512_loadu_ps(a), acc));
              }
            }
          }
        }
      }
    }
#pragma omp critical
    {
      auto lanes = [](const float* v) { float t = 0; for (int l = 0; l < 16; l++) t += v[l]; return t; };
      for (int64_t k = 0; k < OC * K; k++) total[k] += lanes(&accW[k * 16]);
      for (int o = 0; o < OC; o++) total[OC * K + o] += lanes(&accB[o * 16]);
    }
  }
  std::memcpy(gw, total.data(), OC * K * sizeof(float));  // OHWI with one input channel: [o][i][j]
  if (gb) std::memcpy(gb, total.data() + OC * K, OC * sizeof(float));
}

}  // namespace

bool convBackwardDataFewChannels(const float* gy, const float* w, float* gx, int64_t N, int64_t H, int64_t W, int64_t C, int64_t O,
                                 int64_t kh, int64_t kw, int64_t pT, int64_t pB, int64_t pL, int64_t pR) {
  // few channels only: from 16 on, oneDNN's own vectorisation over channels fills its vectors
  if (C >= 16 || kw * C > 32 || kh > 5) return false;
  const Geometry g{N, H, W, C, O, kh, kw, pT, pB, pL, pR};
  if (g.Ho() < 1 || g.Wo() < 1 || pT >= kh || pB >= kh || pL >= kw || pR >= kw) return false;
  const int R = kw * C > 16 ? 2 : 1;
  Kernel k = R == 2 ? pick<2>(kh) : pick<1>(kh);
  if (!k) return false;
  // W[o, i, :, :] (kw*C contiguous floats in OHWI) at packed[(o*kh + i)*R*16], zero-padded to R vectors
  static thread_local std::vector<float> packed;
  const int64_t L = kw * C;
  packed.assign(O * kh * R * 16, 0.0f);
  for (int64_t o = 0; o < O; o++)
    for (int64_t i = 0; i < kh; i++) std::memcpy(&packed[(o * kh + i) * R * 16], w + (o * kh + i) * L, L * sizeof(float));
  k(g, gy, packed.data(), gx);
  return true;
}

bool convBackwardWeightsOneChannel(const float* gy, const float* x, float* gw, float* gb, int64_t N, int64_t H, int64_t W, int64_t O,
                                   int64_t kh, int64_t kw, int64_t pT, int64_t pB, int64_t pL, int64_t pR) {
  const Geometry g{N, H, W, 1, O, kh, kw, pT, pB, pL, pR};
  if (g.Ho() < 1 || g.Wo() < 1 || kh > 7 || kw > 7) return false;
  switch (O) {
    case 1: weightsOneChannel<1>(g, gy, x, gw, gb); return true;
    case 2: weightsOneChannel<2>(g, gy, x, gw, gb); return true;
    case 3: weightsOneChannel<3>(g, gy, x, gw, gb); return true;
    case 4: weightsOneChannel<4>(g, gy, x, gw, gb); return true;
    case 5: weightsOneChannel<5>(g, gy, x, gw, gb); return true;
    case 6: weightsOneChannel<6>(g, gy, x, gw, gb); return true;
    default: return false;  // more accumulators than registers; oneDNN vectorises well from 16 outputs
  }
}

#else

bool convBackwardWeightsOneChannel(const float*, const float*, float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                                   int64_t, int64_t, int64_t) {
  return false;
}

bool convBackwardDataFewChannels(const float*, const float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                                 int64_t, int64_t, int64_t) {
  return false;  // built without AVX-512: oneDNN does it
}

#endif

}  // namespace specnet
