// Optimizer steps over a whole parameter list in one native call, outside autograd, following
// torch.optim.SGD and torch.optim.Adam's update rules exactly.
#include "shim.h"

// momentum_buffers[k] is an owned handle slot: NULL on the first step, filled here.
REPRO_API int THSOptim_sgd_step(Tensor* params, Tensor* momentum_buffers, int n, double lr, double momentum,
                                double dampening, double weight_decay, int nesterov, int maximize) {
  REPRO_TRY
  at::NoGradGuard no_grad;
  for (int k = 0; k < n; k++) {
    at::Tensor& p = *params[k];
    at::Tensor g = p.grad();
    if (!g.defined()) continue;
    if (maximize) g = -g;
    if (weight_decay != 0) g = g.add(p, weight_decay);
    if (momentum != 0) {
      if (momentum_buffers[k] == nullptr) {
        momentum_buffers[k] = repro::wrap(g.detach().clone());
      } else {
        momentum_buffers[k]->mul_(momentum).add_(g, 1 - dampening);
      }
      at::Tensor& buf = *momentum_buffers[k];
      g = nesterov ? g.add(buf, momentum) : buf;
    }
    p.add_(g, -lr);
  }
  return 0;
  REPRO_CATCH(-1)
}

// exp_avg / exp_avg_sq are owned handle slots (NULL on the first step); step is the 1-based count
// after this update.
REPRO_API int THSOptim_adam_step(Tensor* params, Tensor* exp_avg, Tensor* exp_avg_sq, int n, int64_t step, double lr,
                                 double beta1, double beta2, double eps, double weight_decay, int decoupled) {
  REPRO_TRY
  at::NoGradGuard no_grad;
  double bias1 = 1 - std::pow(beta1, (double)step);
  double bias2 = 1 - std::pow(beta2, (double)step);
  for (int k = 0; k < n; k++) {
    at::Tensor& p = *params[k];
    at::Tensor g = p.grad();
    if (!g.defined()) continue;
    if (weight_decay != 0) {
      if (decoupled) p.mul_(1 - lr * weight_decay);
      else g = g.add(p, weight_decay);
    }
    if (exp_avg[k] == nullptr) exp_avg[k] = repro::wrap(at::zeros_like(p));
    if (exp_avg_sq[k] == nullptr) exp_avg_sq[k] = repro::wrap(at::zeros_like(p));
    at::Tensor& m = *exp_avg[k];
    at::Tensor& v = *exp_avg_sq[k];
    m.mul_(beta1).add_(g, 1 - beta1);
    v.mul_(beta2).addcmul_(g, g, 1 - beta2);
    at::Tensor denom = (v.sqrt() / std::sqrt(bias2)).add_(eps);
    p.addcdiv_(m, denom, -lr / bias1);
  }
  return 0;
  REPRO_CATCH(-1)
}

// Clears the gradients of a parameter list (set to none, as PyTorch's zero_grad(set_to_none=True)).
REPRO_API int THSOptim_zero_grad(Tensor* params, int n) {
  REPRO_TRY
  for (int k = 0; k < n; k++) params[k]->mutable_grad() = at::Tensor();
  return 0;
  REPRO_CATCH(-1)
}
