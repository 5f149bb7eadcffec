// Every aten operator through one boxed call: THSOp_find resolves "aten::name" + overload once, and
// THSOp_call pushes the arguments as IValues, runs the operator through the dispatcher (so autograd,
// CPU and CUDA kernels all apply), and pops the results. The same code serves libtorch 1.13 and 2.x.
#include "shim.h"
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

enum ArgKind : int32_t {
  ARG_NONE = 0,
  ARG_TENSOR = 1,
  ARG_INT = 2,
  ARG_DOUBLE = 3,
  ARG_BOOL = 4,
  ARG_INT_LIST = 5,
  ARG_TENSOR_LIST = 6,
  ARG_STRING = 7,
  ARG_DOUBLE_LIST = 8,
  ARG_OPTIONAL_TENSOR_LIST = 9,  // Tensor?[] (index): null entries are None
  ARG_DEVICE = 10,               // i = device type, len = index
  ARG_BOOL_LIST = 11,
};

struct ReproArg {
  int32_t kind;
  int32_t len;
  int64_t i;
  double d;
  void* p;
};

enum ResultKind : int32_t { RES_NONE = 0, RES_TENSOR = 1, RES_INT = 2, RES_DOUBLE = 3, RES_BOOL = 4 };

struct ReproResult {
  int32_t kind;
  int32_t pad;
  int64_t i;
  double d;
  void* p;
};

static c10::IValue to_ivalue(const ReproArg& a) {
  switch (a.kind) {
    case ARG_NONE: return c10::IValue();
    case ARG_TENSOR: return c10::IValue(*static_cast<at::Tensor*>(a.p));
    case ARG_INT: return c10::IValue(a.i);
    case ARG_DOUBLE: return c10::IValue(a.d);
    case ARG_BOOL: return c10::IValue(a.i != 0);
    case ARG_INT_LIST: {
      const int64_t* v = static_cast<const int64_t*>(a.p);
      return c10::IValue(c10::List<int64_t>(std::vector<int64_t>(v, v + a.len)));
    }
    case ARG_DOUBLE_LIST: {
      const double* v = static_cast<const double*>(a.p);
      return c10::IValue(c10::List<double>(std::vector<double>(v, v + a.len)));
    }
    case ARG_BOOL_LIST: {
      const int64_t* v = static_cast<const int64_t*>(a.p);
      c10::List<bool> list;
      for (int k = 0; k < a.len; k++) list.push_back(v[k] != 0);
      return c10::IValue(list);
    }
    case ARG_TENSOR_LIST: {
      at::Tensor** v = static_cast<at::Tensor**>(a.p);
      c10::List<at::Tensor> list;
      list.reserve(a.len);
      for (int k = 0; k < a.len; k++) list.push_back(*v[k]);
      return c10::IValue(list);
    }
    case ARG_OPTIONAL_TENSOR_LIST: {
      at::Tensor** v = static_cast<at::Tensor**>(a.p);
      c10::List<c10::optional<at::Tensor>> list;
      for (int k = 0; k < a.len; k++)
        list.push_back(v[k] == nullptr ? c10::optional<at::Tensor>() : c10::optional<at::Tensor>(*v[k]));
      return c10::IValue(list);
    }
    case ARG_STRING: return c10::IValue(std::string(static_cast<const char*>(a.p)));
    case ARG_DEVICE:
      return c10::IValue(a.i == 1 ? c10::Device(c10::DeviceType::CUDA, (c10::DeviceIndex)a.len)
                                  : c10::Device(c10::DeviceType::CPU));
    default: TORCH_CHECK(false, "unknown argument kind ", a.kind);
  }
}

// Resolves an operator once; the handle lives as long as the process.
REPRO_API void* THSOp_find(const char* name, const char* overload) {
  REPRO_TRY
  auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
  TORCH_CHECK(handle.has_value(), "no operator ", name, (overload[0] ? "." : ""), overload, " in this libtorch");
  return new c10::OperatorHandle(*handle);
  REPRO_CATCH(nullptr)
}

// Writes the operator's schema (for error messages) into `out`; returns its full length.
REPRO_API int THSOp_schema(void* op, char* out, int capacity) {
  REPRO_TRY
  std::ostringstream ss;
  ss << static_cast<c10::OperatorHandle*>(op)->schema();
  std::string s = ss.str();
  int n = (int)std::min<size_t>(s.size(), (size_t)capacity - 1);
  std::memcpy(out, s.data(), n);
  out[n] = 0;
  return (int)s.size();
  REPRO_CATCH(-1)
}

static void push_result(const c10::IValue& v, ReproResult* results, int capacity, int& count) {
  auto slot = [&]() -> ReproResult& {
    TORCH_CHECK(count < capacity, "operator returned more than ", capacity, " results");
    return results[count++];
  };
  if (v.isTensor()) {
    ReproResult& r = slot();
    r.kind = RES_TENSOR;
    r.p = repro::wrap(v.toTensor());
  } else if (v.isTensorList()) {
    for (const at::Tensor& t : v.toTensorVector()) {
      ReproResult& r = slot();
      r.kind = RES_TENSOR;
      r.p = repro::wrap(t);
    }
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) push_result(e, results, capacity, count);
  } else if (v.isInt()) {
    ReproResult& r = slot();
    r.kind = RES_INT;
    r.i = v.toInt();
  } else if (v.isDouble()) {
    ReproResult& r = slot();
    r.kind = RES_DOUBLE;
    r.d = v.toDouble();
  } else if (v.isBool()) {
    ReproResult& r = slot();
    r.kind = RES_BOOL;
    r.i = v.toBool() ? 1 : 0;
  } else if (v.isNone()) {
    ReproResult& r = slot();
    r.kind = RES_NONE;
  } else if (v.isIntList()) {
    for (int64_t x : v.toIntVector()) {
      ReproResult& r = slot();
      r.kind = RES_INT;
      r.i = x;
    }
  } else {
    TORCH_CHECK(false, "unsupported result type ", v.tagKind());
  }
}

// Calls the operator; returns the number of results written, or -1 with the error set.
REPRO_API int THSOp_call(void* op, const ReproArg* args, int nargs, ReproResult* results, int capacity) {
  REPRO_TRY
  auto* handle = static_cast<c10::OperatorHandle*>(op);
  torch::jit::Stack stack;
  stack.reserve(nargs);
  const auto& schema = handle->schema();
  const auto& formals = schema.arguments();
  TORCH_CHECK(nargs <= (int)formals.size(), schema.name(), " takes ", formals.size(), " arguments, got ", nargs);
  for (int k = 0; k < nargs; k++) stack.push_back(to_ivalue(args[k]));
  // Trailing arguments left out take the schema's defaults, as a Python call would.
  for (size_t k = nargs; k < formals.size(); k++) {
    TORCH_CHECK(formals[k].default_value().has_value(), schema.name(), ": missing argument '", formals[k].name(), "'");
    stack.push_back(*formals[k].default_value());
  }
  handle->callBoxed(&stack);
  int count = 0;
  for (const auto& v : stack) push_result(v, results, capacity, count);
  return count;
  REPRO_CATCH(-1)
}
