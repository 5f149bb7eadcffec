namespace Repro.Torch;

public static partial class torch
{
    public static partial class nn
    {
        public enum Reduction { None = 0, Mean = 1, Sum = 2 }

        /// <summary>torch.nn.functional: stateless operators, each one aten call unless noted.</summary>
        public static class functional
        {
            static long[] Pair(long v) => [v, v];

            public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1) =>
                conv2d(input, weight, bias, Pair(stride), Pair(padding), Pair(dilation), groups);

            public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups = 1) =>
                Aten.conv2d.Call().T(input).T(weight).OptT(bias).Ints(stride).Ints(padding).Ints(dilation).I(groups).ToTensor();

            public static Tensor conv_transpose2d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long output_padding = 0, long groups = 1, long dilation = 1) =>
                Aten.conv_transpose2d.Call().T(input).T(weight).OptT(bias).Ints(Pair(stride)).Ints(Pair(padding)).Ints(Pair(output_padding)).I(groups).Ints(Pair(dilation)).ToTensor();

            public static Tensor linear(Tensor input, Tensor weight, Tensor? bias = null) =>
                Aten.linear.Call().T(input).T(weight).OptT(bias).ToTensor();

            public static Tensor relu(Tensor input) => Aten.relu.Call().T(input).ToTensor();

            public static Tensor leaky_relu(Tensor input, double negative_slope = 0.01) => Aten.leaky_relu.Call().T(input).D(negative_slope).ToTensor();

            /// <summary>Inverted dropout: zeroes with probability p and scales survivors by 1/(1-p) in training.</summary>
            public static Tensor dropout(Tensor input, double p = 0.5, bool training = true) =>
                Aten.dropout.Call().T(input).D(p).B(training).ToTensor();

            /// <summary>Drops whole channels (Dropout2d).</summary>
            public static Tensor dropout2d(Tensor input, double p = 0.5, bool training = true) =>
                Aten.feature_dropout.Call().T(input).D(p).B(training).ToTensor();

            public static Tensor max_pool2d(Tensor input, long kernel_size, long? stride = null, long padding = 0, long dilation = 1, bool ceil_mode = false) =>
                Aten.max_pool2d.Call().T(input).Ints(Pair(kernel_size)).Ints(Pair(stride ?? kernel_size)).Ints(Pair(padding)).Ints(Pair(dilation)).B(ceil_mode).ToTensor();

            /// <summary>Max pooling that also returns the switches (flat argmax indices per plane) for max_unpool2d.</summary>
            public static (Tensor output, Tensor indices) max_pool2d_with_indices(Tensor input, long kernel_size, long? stride = null, long padding = 0, long dilation = 1, bool ceil_mode = false) =>
                Aten.max_pool2d_with_indices.Call().T(input).Ints(Pair(kernel_size)).Ints(Pair(stride ?? kernel_size)).Ints(Pair(padding)).Ints(Pair(dilation)).B(ceil_mode).ToTensor2();

            /// <summary>Places each value back at its switch position; everything else is zero (the deconvnet's unpooling).</summary>
            public static Tensor max_unpool2d(Tensor input, Tensor indices, long[] output_size) =>
                Aten.max_unpool2d.Call().T(input).T(indices).Ints(output_size).ToTensor();

            public static Tensor avg_pool2d(Tensor input, long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false, bool count_include_pad = true) =>
                Aten.avg_pool2d.Call().T(input).Ints(Pair(kernel_size)).Ints(Pair(stride ?? kernel_size)).Ints(Pair(padding)).B(ceil_mode).B(count_include_pad).ToTensor();

            public static Tensor adaptive_avg_pool2d(Tensor input, long[] output_size) =>
                Aten.adaptive_avg_pool2d.Call().T(input).Ints(output_size).ToTensor();

            public static (Tensor output, Tensor indices) adaptive_max_pool2d(Tensor input, long[] output_size) =>
                Aten.adaptive_max_pool2d.Call().T(input).Ints(output_size).ToTensor2();

            public static Tensor batch_norm(Tensor input, Tensor? running_mean, Tensor? running_var, Tensor? weight = null, Tensor? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5) =>
                Aten.batch_norm.Call().T(input).OptT(weight).OptT(bias).OptT(running_mean).OptT(running_var).B(training).D(momentum).D(eps).B(false).ToTensor();

            /// <summary>
            /// Local response normalisation across channels (Krizhevsky et al.; the ZF net's "contrast
            /// normalisation"): b_c = a_c / (k + alpha/n * sum_{c' in window(c)} a_c'^2)^beta, as torch.nn.functional.local_response_norm.
            /// </summary>
            public static Tensor local_response_norm(Tensor input, long size, double alpha = 1e-4, double beta = 0.75, double k = 1.0)
            {
                if (input.dim() != 4) throw new ArgumentException($"local_response_norm expects [N,C,H,W], got {input.dim()} dims");
                using var scope = NewDisposeScope();
                var channels = input.size(1);
                // Window sums of squares over channels as differences of a cumulative sum (one zero channel
                // in front), the same window as PyTorch's avg_pool3d formulation but a fraction of its cost.
                var padded = pad(input.mul(input), [0, 0, 0, 0, size / 2 + 1, (size - 1) / 2]);
                var cumulative = padded.cumsum(1);
                var window = cumulative.narrow(1, size, channels) - cumulative.narrow(1, 0, channels);
                // (k + alpha/n * window)^-beta as exp(-beta * log(.)): two vectorised kernels, and a third of
                // the time of pow with a fractional exponent, forward and backward.
                var result = input.mul(window.mul(alpha / size).add(k).log().mul(-beta).exp());
                return scope.MoveToOuter(result);
            }

            /// <summary>Constant padding; <paramref name="pad"/> lists (before, after) pairs from the last dimension backwards.</summary>
            public static Tensor pad(Tensor input, long[] pad, double value = 0) => Aten.constant_pad_nd.Call().T(input).Ints(pad).D(value).ToTensor();

            public static Tensor log_softmax(Tensor input, long dim) => Aten.log_softmax.Call().T(input).I(dim).None().ToTensor();
            public static Tensor softmax(Tensor input, long dim) => Aten.softmax.Call().T(input).I(dim).None().ToTensor();

            public static Tensor cross_entropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean, long ignore_index = -100, double label_smoothing = 0) =>
                Aten.cross_entropy.Call().T(input).T(target).OptT(weight).I((long)reduction).I(ignore_index).D(label_smoothing).ToTensor();

            public static Tensor nll_loss(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean, long ignore_index = -100) =>
                Aten.nll_loss.Call().T(input).T(target).OptT(weight).I((long)reduction).I(ignore_index).ToTensor();

            public static Tensor mse_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
                Aten.mse_loss.Call().T(input).T(target).I((long)reduction).ToTensor();

            public static Tensor smooth_l1_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0) =>
                Aten.smooth_l1_loss.Call().T(input).T(target).I((long)reduction).D(beta).ToTensor();

            public static Tensor binary_cross_entropy_with_logits(Tensor input, Tensor target, Tensor? weight = null, Tensor? pos_weight = null, Reduction reduction = Reduction.Mean) =>
                Aten.bce_with_logits.Call().T(input).T(target).OptT(weight).OptT(pos_weight).I((long)reduction).ToTensor();

            /// <summary>Sampling grid for 2-D affine maps: theta [N,2,3] -> grid [N,H,W,2] in [-1,1] coordinates.</summary>
            public static Tensor affine_grid(Tensor theta, long[] size, bool align_corners = false) =>
                Aten.affine_grid.Call().T(theta).Ints(size).B(align_corners).ToTensor();

            public enum GridSampleMode { Bilinear = 0, Nearest = 1, Bicubic = 2 }
            public enum GridSamplePadding { Zeros = 0, Border = 1, Reflection = 2 }

            public static Tensor grid_sample(Tensor input, Tensor grid, GridSampleMode mode = GridSampleMode.Bilinear, GridSamplePadding padding_mode = GridSamplePadding.Zeros, bool align_corners = false) =>
                Aten.grid_sampler.Call().T(input).T(grid).I((long)mode).I((long)padding_mode).B(align_corners).ToTensor();

            public enum InterpolateMode { Nearest, Bilinear }

            public static Tensor interpolate(Tensor input, long[]? size = null, double[]? scale_factor = null, InterpolateMode mode = InterpolateMode.Nearest, bool align_corners = false)
            {
                if ((size is null) == (scale_factor is null)) throw new ArgumentException("interpolate needs exactly one of size and scale_factor");
                var op = mode == InterpolateMode.Nearest ? Aten.upsample_nearest2d : Aten.upsample_bilinear2d;
                var c = op.Call().T(input);
                if (size is null) c.None(); else c.Ints(size);
                if (mode == InterpolateMode.Bilinear) c.B(align_corners);
                if (scale_factor is null) c.None(); else c.Doubles(scale_factor);
                return c.ToTensor();
            }
        }
    }
}
