namespace Repro.Torch;

/// <summary>The aten operators the binding calls, each resolved once.</summary>
internal static class Aten
{
    internal static readonly Op add = new("aten::add", "Tensor"), add_scalar = new("aten::add", "Scalar");
    internal static readonly Op add_ = new("aten::add_", "Tensor");
    internal static readonly Op sub = new("aten::sub", "Tensor"), sub_scalar = new("aten::sub", "Scalar");
    internal static readonly Op rsub_scalar = new("aten::rsub", "Scalar");
    internal static readonly Op mul = new("aten::mul", "Tensor"), mul_scalar = new("aten::mul", "Scalar");
    internal static readonly Op mul_ = new("aten::mul_", "Tensor"), mul_scalar_ = new("aten::mul_", "Scalar");
    internal static readonly Op div = new("aten::div", "Tensor"), div_scalar = new("aten::div", "Scalar");
    internal static readonly Op neg = new("aten::neg"), abs = new("aten::abs"), sqrt = new("aten::sqrt"), exp = new("aten::exp");
    internal static readonly Op log = new("aten::log"), pow_scalar = new("aten::pow", "Tensor_Scalar"), pow = new("aten::pow", "Tensor_Tensor");
    internal static readonly Op sigmoid = new("aten::sigmoid"), tanh = new("aten::tanh"), sign = new("aten::sign");
    internal static readonly Op clamp = new("aten::clamp"), clamp_min = new("aten::clamp_min"), clamp_max = new("aten::clamp_max");
    internal static readonly Op floor = new("aten::floor"), ceil = new("aten::ceil"), round = new("aten::round");
    internal static readonly Op minimum = new("aten::minimum"), maximum = new("aten::maximum");
    internal static readonly Op matmul = new("aten::matmul"), mm = new("aten::mm");
    internal static readonly Op linalg_solve = new("aten::linalg_solve");
    internal static readonly Op sum = new("aten::sum"), sum_dim = new("aten::sum", "dim_IntList");
    internal static readonly Op mean = new("aten::mean"), mean_dim = new("aten::mean", "dim");
    internal static readonly Op std_dim = new("aten::std", "correction"), var_dim = new("aten::var", "correction");
    internal static readonly Op max = new("aten::max"), min = new("aten::min");
    internal static readonly Op max_dim = new("aten::max", "dim"), min_dim = new("aten::min", "dim");
    internal static readonly Op amax = new("aten::amax"), amin = new("aten::amin");
    internal static readonly Op argmax = new("aten::argmax"), argmin = new("aten::argmin");
    internal static readonly Op topk = new("aten::topk"), sort = new("aten::sort"), argsort = new("aten::argsort");
    internal static readonly Op cumsum = new("aten::cumsum");
    internal static readonly Op norm = new("aten::linalg_vector_norm");
    internal static readonly Op eq = new("aten::eq", "Tensor"), eq_scalar = new("aten::eq", "Scalar");
    internal static readonly Op ne_scalar = new("aten::ne", "Scalar");
    internal static readonly Op gt = new("aten::gt", "Tensor"), gt_scalar = new("aten::gt", "Scalar");
    internal static readonly Op ge = new("aten::ge", "Tensor"), ge_scalar = new("aten::ge", "Scalar");
    internal static readonly Op lt = new("aten::lt", "Tensor"), lt_scalar = new("aten::lt", "Scalar");
    internal static readonly Op le = new("aten::le", "Tensor"), le_scalar = new("aten::le", "Scalar");
    internal static readonly Op logical_and = new("aten::logical_and"), logical_or = new("aten::logical_or"), logical_not = new("aten::logical_not");
    internal static readonly Op where = new("aten::where", "self");
    internal static readonly Op any = new("aten::any"), all = new("aten::all");
    internal static readonly Op nonzero = new("aten::nonzero");
    internal static readonly Op isfinite = new("aten::isfinite");

    internal static readonly Op view = new("aten::view"), reshape = new("aten::reshape");
    internal static readonly Op permute = new("aten::permute"), transpose = new("aten::transpose", "int");
    internal static readonly Op flatten = new("aten::flatten", "using_ints"), unsqueeze = new("aten::unsqueeze"), squeeze_dim = new("aten::squeeze", "dim");
    internal static readonly Op contiguous = new("aten::contiguous");
    internal static readonly Op expand = new("aten::expand"), repeat = new("aten::repeat");
    internal static readonly Op flip = new("aten::flip"), roll = new("aten::roll");
    internal static readonly Op cat = new("aten::cat"), stack = new("aten::stack");
    internal static readonly Op narrow = new("aten::narrow"), select = new("aten::select", "int"), slice = new("aten::slice", "Tensor");
    internal static readonly Op index_select = new("aten::index_select"), gather = new("aten::gather");
    internal static readonly Op masked_select = new("aten::masked_select"), masked_fill = new("aten::masked_fill", "Scalar");
    internal static readonly Op index = new("aten::index", "Tensor"), index_put_ = new("aten::index_put_");
    internal static readonly Op scatter_add = new("aten::scatter_add");
    internal static readonly Op split = new("aten::split", "Tensor"), chunk = new("aten::chunk");
    internal static readonly Op clone = new("aten::clone"), detach = new("aten::detach");
    internal static readonly Op one_hot = new("aten::one_hot");
    internal static readonly Op to_dtype = new("aten::to", "dtype");

    internal static readonly Op zeros = new("aten::zeros"), ones = new("aten::ones"), full = new("aten::full"), empty = new("aten::empty", "memory_format");
    internal static readonly Op zeros_like = new("aten::zeros_like"), ones_like = new("aten::ones_like");
    internal static readonly Op arange = new("aten::arange", "start_step"), linspace = new("aten::linspace"), eye = new("aten::eye");
    internal static readonly Op rand = new("aten::rand"), randn = new("aten::randn"), randint = new("aten::randint", "low"), randperm = new("aten::randperm");
    internal static readonly Op uniform_ = new("aten::uniform_"), normal_ = new("aten::normal_"), fill_ = new("aten::fill_", "Scalar"), zero_ = new("aten::zero_");
    internal static readonly Op bernoulli_p = new("aten::bernoulli", "p");

    internal static readonly Op conv2d = new("aten::conv2d"), conv_transpose2d = new("aten::conv_transpose2d", "input");
    internal static readonly Op linear = new("aten::linear");
    internal static readonly Op relu = new("aten::relu"), leaky_relu = new("aten::leaky_relu");
    internal static readonly Op dropout = new("aten::dropout"), feature_dropout = new("aten::feature_dropout");
    internal static readonly Op max_pool2d_with_indices = new("aten::max_pool2d_with_indices"), max_pool2d = new("aten::max_pool2d");
    internal static readonly Op max_unpool2d = new("aten::max_unpool2d");
    internal static readonly Op avg_pool2d = new("aten::avg_pool2d"), avg_pool3d = new("aten::avg_pool3d");
    internal static readonly Op adaptive_avg_pool2d = new("aten::adaptive_avg_pool2d"), adaptive_max_pool2d = new("aten::adaptive_max_pool2d");
    internal static readonly Op batch_norm = new("aten::batch_norm");
    internal static readonly Op constant_pad_nd = new("aten::constant_pad_nd");
    internal static readonly Op log_softmax = new("aten::log_softmax", "int"), softmax = new("aten::softmax", "int");
    internal static readonly Op cross_entropy = new("aten::cross_entropy_loss"), nll_loss = new("aten::nll_loss_nd");
    internal static readonly Op mse_loss = new("aten::mse_loss"), smooth_l1_loss = new("aten::smooth_l1_loss");
    internal static readonly Op bce_with_logits = new("aten::binary_cross_entropy_with_logits");
    internal static readonly Op affine_grid = new("aten::affine_grid_generator"), grid_sampler = new("aten::grid_sampler");
    internal static readonly Op upsample_nearest2d = new("aten::upsample_nearest2d", "vec"), upsample_bilinear2d = new("aten::upsample_bilinear2d", "vec");
}
