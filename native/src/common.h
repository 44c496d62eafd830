// Shared helpers of the specnet native addon: argument checking that turns
// bad input into a JS error naming the op and the shapes, never a crash.
#pragma once
#include <napi.h>
#include <signal.h>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace specnet {

using Dims = std::vector<int64_t>;

inline std::string fmt(const Dims& d) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < d.size(); i++) s << (i ? ", " : "") << d[i];
  s << "]";
  return s.str();
}

inline int64_t numel(const Dims& d) {
  int64_t n = 1;
  for (auto v : d) n *= v;
  return n;
}

/** Blocks every signal on this thread for its lifetime, then restores the mask (see run() in dnnl_ops.cc). */
struct SignalsHeld {
  sigset_t old;
  SignalsHeld() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
  }
  ~SignalsHeld() { pthread_sigmask(SIG_SETMASK, &old, nullptr); }
  SignalsHeld(const SignalsHeld&) = delete;
  SignalsHeld& operator=(const SignalsHeld&) = delete;
};

[[noreturn]] inline void fail(const Napi::Env& env, const std::string& op, const std::string& msg) {
  throw Napi::TypeError::New(env, "native " + op + ": " + msg);
}

/** A Float32Array argument of exactly `expected` values (or any length if expected < 0). */
inline float* f32(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name, int64_t expected, const Dims& shape = {}) {
  auto env = info.Env();
  if (i >= info.Length() || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    fail(env, op, std::string(name) + " must be a Float32Array");
  }
  auto a = info[i].As<Napi::Float32Array>();
  if (expected >= 0 && static_cast<int64_t>(a.ElementLength()) != expected) {
    fail(env, op, std::string(name) + " has " + std::to_string(a.ElementLength()) + " values, expected " +
        std::to_string(expected) + (shape.empty() ? "" : " for shape " + fmt(shape)));
  }
  return a.Data();
}

/** An Int32Array argument with `expected` values (-1: any; its length goes to *length when asked). */
inline int32_t* i32(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name, int64_t expected, int64_t* length = nullptr) {
  if (i >= info.Length() || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    fail(info.Env(), op, std::string(name) + " must be an Int32Array");
  }
  auto a = info[i].As<Napi::Int32Array>();
  if (expected >= 0 && static_cast<int64_t>(a.ElementLength()) != expected) {
    fail(info.Env(), op, std::string(name) + " has " + std::to_string(a.ElementLength()) + " values, expected " + std::to_string(expected));
  }
  if (length) *length = static_cast<int64_t>(a.ElementLength());
  return a.Data();
}

inline float* f32OrNull(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name, int64_t expected) {
  if (i < info.Length() && (info[i].IsNull() || info[i].IsUndefined())) return nullptr;
  return f32(info, i, op, name, expected);
}

inline Dims dims(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name, size_t rank = 0) {
  auto env = info.Env();
  if (i >= info.Length() || !info[i].IsArray()) fail(env, op, std::string(name) + " must be an array of integers");
  auto a = info[i].As<Napi::Array>();
  Dims d(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value v = a.Get(k);
    if (!v.IsNumber()) fail(env, op, std::string(name) + " must be an array of integers");
    double x = v.As<Napi::Number>().DoubleValue();
    if (x < 0 || x != static_cast<double>(static_cast<int64_t>(x))) fail(env, op, std::string(name) + " holds " + std::to_string(x) + ", not a size");
    d[k] = static_cast<int64_t>(x);
  }
  if (rank && d.size() != rank) fail(env, op, std::string(name) + " " + fmt(d) + " should have " + std::to_string(rank) + " entries");
  return d;
}

inline double num(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  if (i >= info.Length() || !info[i].IsNumber()) fail(info.Env(), op, std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

inline bool flag(const Napi::CallbackInfo& info, size_t i) { return i < info.Length() && info[i].ToBoolean().Value(); }

/**
 * The data gradient of an ungrouped, stride-1, undilated convolution with few input channels, computed
 * by our own AVX-512 kernel (conv_few_channels.cc). False, having done nothing, where it does not apply
 * (channels, kernel size, or a build without AVX-512): the caller then uses oneDNN.
 */
bool convBackwardDataFewChannels(const float* gy, const float* w, float* gx, int64_t N, int64_t H, int64_t W, int64_t C, int64_t O,
                                 int64_t kh, int64_t kw, int64_t pT, int64_t pB, int64_t pL, int64_t pR);

/**
 * The weight (and bias) gradient of an ungrouped, stride-1, undilated convolution from one input channel
 * to at most 6 outputs (LeNet-5's first), by our own AVX-512 kernel (conv_few_channels.cc). False,
 * having done nothing, where it does not apply: the caller then uses oneDNN.
 */
bool convBackwardWeightsOneChannel(const float* gy, const float* x, float* gw, float* gb, int64_t N, int64_t H, int64_t W, int64_t O,
                                   int64_t kh, int64_t kw, int64_t pT, int64_t pB, int64_t pL, int64_t pR);

// registration, one function per file
void RegisterDnnl(Napi::Env env, Napi::Object exports);
void RegisterLoops(Napi::Env env, Napi::Object exports);

}  // namespace specnet
