// Gradients with respect to chosen inputs (torch.autograd.grad).
#include "shim.h"

// outputs[n_out], grad_outputs[n_out] (entries may be NULL), inputs[n_in] -> grads[n_in] (NULL
// where an input is unused and allow_unused is set).
REPRO_API int THSAutograd_grad(Tensor* outputs, Tensor* grad_outputs, int n_out, Tensor* inputs, int n_in,
                               int retain_graph, int create_graph, int allow_unused, Tensor* grads) {
  REPRO_TRY
  std::vector<at::Tensor> outs, gouts, ins;
  for (int k = 0; k < n_out; k++) {
    outs.push_back(*outputs[k]);
    gouts.push_back(grad_outputs == nullptr || grad_outputs[k] == nullptr ? at::Tensor() : *grad_outputs[k]);
  }
  for (int k = 0; k < n_in; k++) ins.push_back(*inputs[k]);
  auto result = torch::autograd::grad(outs, ins, gouts, retain_graph != 0, create_graph != 0, allow_unused != 0);
  for (int k = 0; k < n_in; k++) grads[k] = result[k].defined() ? repro::wrap(result[k]) : nullptr;
  return 0;
  REPRO_CATCH(-1)
}
