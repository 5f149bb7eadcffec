#include "shim.h"

namespace repro {
static thread_local std::string last_error;
static thread_local bool has_error = false;
std::atomic<int64_t> live_tensors{0};

void set_error(const std::string& message) {
  last_error = message;
  has_error = true;
}
void clear_error() { has_error = false; }

Tensor wrap(at::Tensor t) {
  live_tensors.fetch_add(1, std::memory_order_relaxed);
  return new at::Tensor(std::move(t));
}
}  // namespace repro

// The message of the last failed call on this thread, or NULL. The pointer stays valid until the
// next call on this thread; the managed side copies it at once.
REPRO_API const char* THSError_last() { return repro::has_error ? repro::last_error.c_str() : nullptr; }

REPRO_API int64_t THSTensor_live_count() { return repro::live_tensors.load(); }
