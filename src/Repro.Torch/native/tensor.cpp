// Tensor lifetime, storage access and global torch settings.
#include "shim.h"
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static c10::Device to_device(int device_type, int device_index) {
  return device_type == 1 ? c10::Device(c10::DeviceType::CUDA, (c10::DeviceIndex)device_index)
                          : c10::Device(c10::DeviceType::CPU);
}

REPRO_API void THSTensor_dispose(Tensor t) {
  if (t == nullptr) return;
  delete t;
  repro::live_tensors.fetch_sub(1, std::memory_order_relaxed);
}

// A new tensor of the given shape and dtype holding a copy of `data` (nbytes must match).
REPRO_API Tensor THSTensor_from_data(const void* data, int64_t nbytes, int dtype, const int64_t* shape, int ndim,
                                     int device_type, int device_index) {
  REPRO_TRY
  auto options = at::TensorOptions().dtype((c10::ScalarType)dtype);
  at::Tensor t = at::empty(c10::IntArrayRef(shape, ndim), options);
  TORCH_CHECK((int64_t)t.nbytes() == nbytes, "data holds ", nbytes, " bytes but shape needs ", t.nbytes());
  if (nbytes > 0) std::memcpy(t.data_ptr(), data, nbytes);
  if (device_type != 0) t = t.to(to_device(device_type, device_index));
  return repro::wrap(std::move(t));
  REPRO_CATCH(nullptr)
}

REPRO_API Tensor THSTensor_empty(int dtype, const int64_t* shape, int ndim, int device_type, int device_index) {
  REPRO_TRY
  auto options = at::TensorOptions().dtype((c10::ScalarType)dtype).device(to_device(device_type, device_index));
  return repro::wrap(at::empty(c10::IntArrayRef(shape, ndim), options));
  REPRO_CATCH(nullptr)
}

// Copies the tensor's elements (any device, any layout) into `out`, which holds nbytes.
REPRO_API int THSTensor_copy_to(Tensor t, void* out, int64_t nbytes) {
  REPRO_TRY
  at::Tensor c = t->detach().to(c10::Device(c10::DeviceType::CPU)).contiguous();
  TORCH_CHECK((int64_t)c.nbytes() == nbytes, "buffer holds ", nbytes, " bytes but tensor has ", c.nbytes());
  if (nbytes > 0) std::memcpy(out, c.data_ptr(), nbytes);
  return 0;
  REPRO_CATCH(-1)
}

// Copies `data` into the (contiguous, CPU) tensor's storage in place, outside autograd.
REPRO_API int THSTensor_copy_from(Tensor t, const void* data, int64_t nbytes) {
  REPRO_TRY
  TORCH_CHECK(t->is_contiguous() && t->device().is_cpu(), "copy_from needs a contiguous CPU tensor");
  TORCH_CHECK((int64_t)t->nbytes() == nbytes, "data holds ", nbytes, " bytes but tensor has ", t->nbytes());
  if (nbytes > 0) std::memcpy(t->data_ptr(), data, nbytes);
  return 0;
  REPRO_CATCH(-1)
}

// The address of the first element of a contiguous CPU tensor (for zero-copy spans), else NULL.
REPRO_API void* THSTensor_data_ptr(Tensor t) {
  REPRO_TRY
  TORCH_CHECK(t->device().is_cpu(), "data_ptr needs a CPU tensor, this one is on ", t->device().str());
  TORCH_CHECK(t->is_contiguous(), "data_ptr needs a contiguous tensor");
  return t->data_ptr();
  REPRO_CATCH(nullptr)
}

REPRO_API int THSTensor_ndim(Tensor t) { return (int)t->dim(); }
REPRO_API int THSTensor_shape(Tensor t, int64_t* out) {
  for (int64_t i = 0; i < t->dim(); i++) out[i] = t->size(i);
  return (int)t->dim();
}
REPRO_API int64_t THSTensor_numel(Tensor t) { return t->numel(); }
REPRO_API int THSTensor_dtype(Tensor t) { return (int)t->scalar_type(); }
REPRO_API int THSTensor_device_type(Tensor t) { return t->device().is_cuda() ? 1 : 0; }
REPRO_API int THSTensor_device_index(Tensor t) { return t->device().has_index() ? t->device().index() : -1; }
REPRO_API int THSTensor_is_contiguous(Tensor t) { return t->is_contiguous() ? 1 : 0; }
REPRO_API int THSTensor_defined(Tensor t) { return t->defined() ? 1 : 0; }

REPRO_API int THSTensor_requires_grad(Tensor t) { return t->requires_grad() ? 1 : 0; }
REPRO_API int THSTensor_set_requires_grad(Tensor t, int value) {
  REPRO_TRY
  t->set_requires_grad(value != 0);
  return 0;
  REPRO_CATCH(-1)
}

// The accumulated gradient as a new handle, or NULL (with no error) when there is none.
REPRO_API Tensor THSTensor_grad(Tensor t) {
  REPRO_TRY
  at::Tensor g = t->grad();
  if (!g.defined()) return nullptr;
  return repro::wrap(g);
  REPRO_CATCH(nullptr)
}

REPRO_API int THSTensor_zero_grad(Tensor t) {
  REPRO_TRY
  // Like PyTorch's set_to_none=True: frees the buffer, the next backward allocates a fresh one.
  t->mutable_grad() = at::Tensor();
  return 0;
  REPRO_CATCH(-1)
}

REPRO_API int THSTensor_backward(Tensor t, Tensor grad, int retain_graph) {
  REPRO_TRY
  t->backward(grad == nullptr ? at::Tensor() : *grad, retain_graph != 0, false);
  return 0;
  REPRO_CATCH(-1)
}

REPRO_API double THSTensor_item_double(Tensor t) {
  REPRO_TRY
  return t->item<double>();
  REPRO_CATCH(std::nan(""))
}
REPRO_API int64_t THSTensor_item_long(Tensor t) {
  REPRO_TRY
  return t->item<int64_t>();
  REPRO_CATCH(INT64_MIN)
}

REPRO_API Tensor THSTensor_to(Tensor t, int dtype, int device_type, int device_index, int copy) {
  REPRO_TRY
  auto dev = to_device(device_type, device_index);
  return repro::wrap(t->to(dev, (c10::ScalarType)dtype, false, copy != 0));
  REPRO_CATCH(nullptr)
}

// A second handle on the same tensor (shares storage and autograd identity).
REPRO_API Tensor THSTensor_alias(Tensor t) {
  REPRO_TRY
  return repro::wrap(*t);
  REPRO_CATCH(nullptr)
}

REPRO_API int THSTensor_assign(Tensor dst, Tensor src) {
  REPRO_TRY
  at::NoGradGuard guard;
  dst->copy_(*src);
  return 0;
  REPRO_CATCH(-1)
}

// ---- heap policy ----
// A training step frees and reallocates the same activation and gradient buffers (tens of MB for a
// batch of 128) every step. glibc's defaults hand such blocks back to the kernel (munmap, or trimming
// the heap top), so the next step page-faults and zero-fills them afresh: measured ~7,000-12,000 minor
// faults a step on the benchmark CNN. Keeping freed memory in the process heap (allocations up to
// 32 MiB from the heap, no trimming) makes a step reuse its buffers, as a caching allocator would.
// Blocks above 32 MiB (whole data sets) are still mapped and unmapped individually. A user's own
// glibc malloc settings (GLIBC_TUNABLES, MALLOC_*_ environment variables) take precedence, and
// REPRO_HEAP_POLICY=default keeps glibc's defaults.
namespace {
bool heap_policy_applied = false;

bool user_set_malloc_env() {
  const char* names[] = {"GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
                         "MALLOC_ARENA_MAX"};
  for (const char* n : names)
    if (std::getenv(n) != nullptr) return true;
  const char* policy = std::getenv("REPRO_HEAP_POLICY");
  return policy != nullptr && std::strcmp(policy, "default") == 0;
}

__attribute__((constructor)) void apply_heap_policy() {
#if defined(__GLIBC__)
  if (user_set_malloc_env()) return;
  // Setting M_MMAP_THRESHOLD also fixes it (glibc stops adapting it); 32 MiB is glibc's own ceiling.
  heap_policy_applied = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) == 1 && mallopt(M_TRIM_THRESHOLD, -1) == 1;
#endif
}
}  // namespace

// 1 when the heap policy above is in force in this process, 0 when glibc's defaults (or the user's) apply.
REPRO_API int THSTorch_heap_policy() { return heap_policy_applied ? 1 : 0; }

// ---- global settings ----
REPRO_API void THSTorch_manual_seed(int64_t seed) { torch::manual_seed((uint64_t)seed); }
REPRO_API void THSTorch_set_num_threads(int n) { at::set_num_threads(n); }
REPRO_API int THSTorch_get_num_threads() { return at::get_num_threads(); }

// The BLAS library's own thread pool, apart from libtorch's. Debian's libtorch calls whichever libblas.so.3 is
// selected; OpenBLAS (libopenblas0-pthread) starts one worker per core and spins them between calls. The
// library is found among those already loaded, so a BLAS without these entry points (the reference BLAS) reads
// as -1 and ignores the setting.
namespace {
void* loaded_blas_symbol(const char* name) {
  for (const char* lib : {"libblas.so.3", "libopenblas.so.0"}) {
    void* handle = dlopen(lib, RTLD_NOW | RTLD_NOLOAD);
    if (handle == nullptr) continue;
    void* symbol = dlsym(handle, name);
    dlclose(handle);
    if (symbol != nullptr) return symbol;
  }
  return dlsym(RTLD_DEFAULT, name);
}
}  // namespace

// 1 when the loaded BLAS took the thread count, 0 when it has no such setting.
REPRO_API int THSTorch_set_blas_threads(int n) {
  auto set = reinterpret_cast<void (*)(int)>(loaded_blas_symbol("openblas_set_num_threads"));
  if (set == nullptr) return 0;
  set(n);
  return 1;
}

// The loaded BLAS's thread count, or -1 when it has no such setting.
REPRO_API int THSTorch_get_blas_threads() {
  auto get = reinterpret_cast<int (*)()>(loaded_blas_symbol("openblas_get_num_threads"));
  return get == nullptr ? -1 : get();
}
REPRO_API int THSTorch_is_grad_enabled() { return at::GradMode::is_enabled() ? 1 : 0; }
REPRO_API void THSTorch_set_grad_enabled(int enabled) { at::GradMode::set_enabled(enabled != 0); }
REPRO_API int THSTorch_cuda_is_available() { return torch::cuda::is_available() ? 1 : 0; }
REPRO_API int THSTorch_cuda_device_count() { return (int)torch::cuda::device_count(); }
REPRO_API int THSTorch_set_deterministic(int on) {
  REPRO_TRY
  at::globalContext().setDeterministicAlgorithms(on != 0, /*warn_only=*/false);
  return 0;
  REPRO_CATCH(-1)
}

// Build facts for provenance: "<torch version>|<parallel info>" copied into a caller buffer.
REPRO_API int THSTorch_config(char* out, int capacity) {
  REPRO_TRY
  std::string s = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." + std::to_string(TORCH_VERSION_PATCH) + "\n" + at::get_parallel_info() + "\n" + at::show_config();
  int n = (int)std::min<size_t>(s.size(), (size_t)capacity - 1);
  std::memcpy(out, s.data(), n);
  out[n] = 0;
  return (int)s.size();
  REPRO_CATCH(-1)
}
