// The data gradient of a convolution whose input has few channels (LeNet-5's second convolution:
// 6 channels in, 16 out, 5x5), where oneDNN 2.6 vectorises over the input channels: 6 of 16 lanes
// busy, 77 GFLOP/s on 2 AVX-512 cores. This kernel vectorises over a kernel row instead.
//
// With stride 1 and no dilation, in NHWC activations and OHWI weights,
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
        // x and x+1 the second read-modify-write would wait for the first one's stores (measured 20% slower).
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

#else

bool convBackwardDataFewChannels(const float*, const float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                                 int64_t, int64_t, int64_t) {
  return false;  // built without AVX-512: oneDNN does it
}

#endif

}  // namespace specnet
