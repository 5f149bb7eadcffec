// The C ABI of libreprotorch. Every export is wrapped in REPRO_TRY/REPRO_CATCH: a C++ exception of
// any type becomes a thread-local message (repro_last_error) and a sentinel return value, never an
// abort. Handles are opaque: a Tensor handle is a heap-allocated at::Tensor owned by the caller, who
// releases it with THSTensor_dispose.
#pragma once
#include <torch/torch.h>
#include <atomic>
#include <cstdint>
#include <string>

#define REPRO_API extern "C" __attribute__((visibility("default")))

typedef at::Tensor* Tensor;

namespace repro {
void set_error(const std::string& message);
void clear_error();
extern std::atomic<int64_t> live_tensors;

// Moves a tensor into a new owned handle (counted in live_tensors).
Tensor wrap(at::Tensor t);
}  // namespace repro

#define REPRO_TRY repro::clear_error(); try {
#define REPRO_CATCH(fail)                                                     \
  }                                                                           \
  catch (const c10::Error& e) { repro::set_error(e.what_without_backtrace()); return fail; } \
  catch (const std::exception& e) { repro::set_error(e.what()); return fail; } \
  catch (...) { repro::set_error("unknown native exception"); return fail; }
