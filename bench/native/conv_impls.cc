// Every oneDNN implementation of one convolution shape, timed on this machine: the
// forward, backward-data and backward-weights passes in NHWC, in oneDNN's blocked
// layout with the reorders counted, and the forward computed as the backward-data
// pass of the transposed conv (and back). Candidates run in alternating rounds and
// each keeps its best, so a slow phase of a noisy VM hits all of them alike.
// docs/PERFORMANCE.md quotes its figures.
//
//   g++ -O2 -std=c++17 bench/native/conv_impls.cc -ldnnl -o /tmp/conv_impls
//   /tmp/conv_impls N C H O K S P      e.g. /tmp/conv_impls 16 512 7 512 3 1 1
//   (batch, input channels, square input size, output channels, kernel, stride, padding)
#include <oneapi/dnnl/dnnl.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <string>
#include <functional>
using namespace dnnl; using tag = memory::format_tag; using dt = memory::data_type;
struct Cand { std::string name; std::function<void()> f; double best = 1e9; };
int main(int argc, char** argv) {
  engine eng(engine::kind::cpu, 0); stream s(eng);
  if (argc < 8) { fprintf(stderr, "usage: conv_impls N C H O K S P\n"); return 2; }
  int N = atoi(argv[1]), C = atoi(argv[2]), H = atoi(argv[3]), O = atoi(argv[4]), K = atoi(argv[5]), S = atoi(argv[6]), P = atoi(argv[7]);
  int Ho = (H + 2 * P - K) / S + 1;
  memory::dims xd{N, C, H, H}, wd{O, C, K, K}, wtd{C, O, K, K}, yd{N, O, Ho, Ho}, st{S, S}, pad{P, P};
  auto xm = memory::desc(xd, dt::f32, tag::nhwc), ym = memory::desc(yd, dt::f32, tag::nhwc), wa = memory::desc(wd, dt::f32, tag::any);
  auto xa = memory::desc(xd, dt::f32, tag::any), ya = memory::desc(yd, dt::f32, tag::any);
  double fl = 2.0 * N * Ho * Ho * O * C * K * K / 1e6;
  std::vector<float> X((size_t)N*C*H*H, 0.5f), Y((size_t)N*O*Ho*Ho, 0.25f);
  memory xu(xm, eng, X.data()), yu(ym, eng, Y.data());
  std::vector<Cand> cands;
  primitive_attr attr; attr.set_scratchpad_mode(scratchpad_mode::user);
  std::vector<std::shared_ptr<void>> keep;
  auto mk = [&](memory::desc d) { auto m = std::make_shared<memory>(d, eng); keep.push_back(m); return m; };
  auto slow = [](const char* impl, bool sseToo) { std::string i(impl); return i.find("ref") != std::string::npos || (sseToo && i.find("sse") != std::string::npos); };
  // every backward-data implementation of pd, reading diffDst and writing diffSrc
  auto addBackwardData = [&](convolution_backward_data::primitive_desc pd, const std::string& label, memory* diffDst, memory* diffSrc) {
    do { if (slow(pd.impl_info_str(), false)) continue;
      auto w = mk(pd.weights_desc()), sp = mk(pd.scratchpad_desc()); auto p = std::make_shared<convolution_backward_data>(pd); keep.push_back(p);
      cands.push_back({label + pd.impl_info_str(), [&s, p, w, sp, diffDst, diffSrc] { p->execute(s, {{DNNL_ARG_DIFF_DST, *diffDst}, {DNNL_ARG_WEIGHTS, *w}, {DNNL_ARG_DIFF_SRC, *diffSrc}, {DNNL_ARG_SCRATCHPAD, *sp}}); s.wait(); }});
    } while (pd.next_impl());
  };
  // forward: each impl in nhwc
  convolution_forward::desc fd(prop_kind::forward_training, algorithm::convolution_direct, xm, wa, memory::desc(), ym, st, pad, pad);
  convolution_forward::primitive_desc fpd(fd, attr, eng); auto fpd0 = fpd;
  do { if (slow(fpd.impl_info_str(), true)) continue;
    auto w = mk(fpd.weights_desc()), sp = mk(fpd.scratchpad_desc()); auto p = std::make_shared<convolution_forward>(fpd); keep.push_back(p);
    cands.push_back({"F  nhwc " + std::string(fpd.impl_info_str()), [&s, p, w, sp, &xu, &yu] { p->execute(s, {{DNNL_ARG_SRC, xu}, {DNNL_ARG_WEIGHTS, *w}, {DNNL_ARG_DST, yu}, {DNNL_ARG_SCRATCHPAD, *sp}}); s.wait(); }});
  } while (fpd.next_impl());
  { // blocked forward with reorders
    convolution_forward::desc d(prop_kind::forward_training, algorithm::convolution_direct, xa, wa, memory::desc(), ya, st, pad, pad);
    convolution_forward::primitive_desc pd(d, attr, eng);
    auto w = mk(pd.weights_desc()), sp = mk(pd.scratchpad_desc()), xb = mk(pd.src_desc()), yb = mk(pd.dst_desc()); auto p = std::make_shared<convolution_forward>(pd); keep.push_back(p);
    auto r1 = std::make_shared<reorder>(xu, *xb), r2 = std::make_shared<reorder>(*yb, yu); keep.push_back(r1); keep.push_back(r2);
    cands.push_back({"F  blk+reorder " + std::string(pd.impl_info_str()), [&s, p, w, sp, xb, yb, r1, r2, &xu, &yu] { r1->execute(s, xu, *xb); p->execute(s, {{DNNL_ARG_SRC, *xb}, {DNNL_ARG_WEIGHTS, *w}, {DNNL_ARG_DST, *yb}, {DNNL_ARG_SCRATCHPAD, *sp}}); r2->execute(s, *yb, yu); s.wait(); }});
  }
  if (S == 1 && 2 * P == K - 1) { // forward as transposed bwd data
    auto wta = memory::desc(wtd, dt::f32, tag::any);
    convolution_forward::desc hd(prop_kind::forward_training, algorithm::convolution_direct, ym, wta, memory::desc(), xm, st, pad, pad);
    convolution_forward::primitive_desc hpd(hd, eng);
    convolution_backward_data::desc bd(algorithm::convolution_direct, ym, wta, xm, st, pad, pad);
    addBackwardData(convolution_backward_data::primitive_desc(bd, attr, eng, hpd), "F  as-BD ", &xu, &yu);
  }
  convolution_backward_data::desc bd(algorithm::convolution_direct, xm, wa, ym, st, pad, pad);
  addBackwardData(convolution_backward_data::primitive_desc(bd, attr, eng, fpd0), "BD nhwc ", &yu, &xu);
  if (S == 1 && 2 * P == K - 1) { // bwd data as forward with transposed weights
    auto wta = memory::desc(wtd, dt::f32, tag::any);
    convolution_forward::desc hd(prop_kind::forward_training, algorithm::convolution_direct, ym, wta, memory::desc(), xm, st, pad, pad);
    convolution_forward::primitive_desc hpd(hd, attr, eng);
    auto w = mk(hpd.weights_desc()), sp = mk(hpd.scratchpad_desc()); auto p = std::make_shared<convolution_forward>(hpd); keep.push_back(p);
    cands.push_back({"BD as-F " + std::string(hpd.impl_info_str()), [&s, p, w, sp, &xu, &yu] { p->execute(s, {{DNNL_ARG_SRC, yu}, {DNNL_ARG_WEIGHTS, *w}, {DNNL_ARG_DST, xu}, {DNNL_ARG_SCRATCHPAD, *sp}}); s.wait(); }});
  }
  convolution_backward_weights::desc wdsc(algorithm::convolution_direct, xm, wa, ym, st, pad, pad);
  convolution_backward_weights::primitive_desc wpd(wdsc, attr, eng, fpd0);
  do { if (slow(wpd.impl_info_str(), false)) continue;
    auto w = mk(wpd.diff_weights_desc()), sp = mk(wpd.scratchpad_desc()); auto p = std::make_shared<convolution_backward_weights>(wpd); keep.push_back(p);
    cands.push_back({"BW nhwc " + std::string(wpd.impl_info_str()), [&s, p, w, sp, &xu, &yu] { p->execute(s, {{DNNL_ARG_DIFF_DST, yu}, {DNNL_ARG_SRC, xu}, {DNNL_ARG_DIFF_WEIGHTS, *w}, {DNNL_ARG_SCRATCHPAD, *sp}}); s.wait(); }});
  } while (wpd.next_impl());
  { // blocked bw with reorders
    convolution_backward_weights::desc d(algorithm::convolution_direct, xa, wa, ya, st, pad, pad);
    convolution_forward::desc fd2(prop_kind::forward_training, algorithm::convolution_direct, xa, wa, memory::desc(), ya, st, pad, pad);
    convolution_forward::primitive_desc fpd2(fd2, eng);
    convolution_backward_weights::primitive_desc pd(d, attr, eng, fpd2);
    auto w = mk(pd.diff_weights_desc()), sp = mk(pd.scratchpad_desc()), xb = mk(pd.src_desc()), yb = mk(pd.diff_dst_desc()); auto p = std::make_shared<convolution_backward_weights>(pd); keep.push_back(p);
    auto r1 = std::make_shared<reorder>(xu, *xb), r2 = std::make_shared<reorder>(yu, *yb); keep.push_back(r1); keep.push_back(r2);
    cands.push_back({"BW blk+reorder " + std::string(pd.impl_info_str()), [&s, p, w, sp, xb, yb, r1, r2, &xu, &yu] { r1->execute(s, xu, *xb); r2->execute(s, yu, *yb); p->execute(s, {{DNNL_ARG_SRC, *xb}, {DNNL_ARG_DIFF_WEIGHTS, *w}, {DNNL_ARG_DIFF_DST, *yb}, {DNNL_ARG_SCRATCHPAD, *sp}}); s.wait(); }});
  }
  for (int r = 0; r < 6; r++) for (auto& c : cands) { auto t0 = std::chrono::steady_clock::now(); c.f(); auto t1 = std::chrono::steady_clock::now(); c.best = std::min(c.best, std::chrono::duration<double, std::milli>(t1 - t0).count()); }
  printf("N%d C%d H%d O%d K%d S%d\n", N, C, H, O, K, S);
  for (auto& c : cands) printf("  %-34s %7.1f ms %5.0f GF/s\n", c.name.c_str(), c.best, fl / c.best);
}
