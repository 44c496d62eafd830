// specnet native backend: entry point of the N-API addon.
#include <malloc.h>
#include <omp.h>
#include "common.h"

namespace specnet {

/**
 * OpenMP's worker threads block every signal for good, so the process's signals go to threads that
 * are never inside oneDNN's JIT code (see run() in dnnl_ops.cc). libgomp keeps its workers and creates
 * new ones only when a team grows, i.e. after setNumThreads raises the count: both places call this.
 * The calling thread holds signals meanwhile, so a worker created here starts blocked as well.
 */
static void holdSignalsInWorkers() {
  SignalsHeld held;
#pragma omp parallel
  {
    if (omp_get_thread_num() != 0) {
      sigset_t all;
      sigfillset(&all);
      pthread_sigmask(SIG_BLOCK, &all, nullptr);
    }
  }
}

static Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int n = static_cast<int>(num(info, 0, "setNumThreads", "n"));
  if (n < 1) fail(info.Env(), "setNumThreads", "n must be ≥ 1");
  omp_set_num_threads(n);
  holdSignalsInWorkers();
  return info.Env().Undefined();
}

static Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Large freed blocks stay in the heap instead of going back to the kernel, so
  // the next tensor of that size reuses mapped pages: a fresh 33 MB array per
  // call otherwise costs 12-17 ms in page faults (V8's ArrayBuffers use calloc too).
  // (glibc caps the mmap threshold at 32 MiB on 64-bit: larger values are refused.)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  holdSignalsInWorkers();
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  RegisterDnnl(env, exports);
  RegisterLoops(env, exports);
  return exports;
}

}  // namespace specnet

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return specnet::Init(env, exports); }
NODE_API_MODULE(specnet_native, InitAddon)
