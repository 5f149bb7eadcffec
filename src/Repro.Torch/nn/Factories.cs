using Repro.Torch.Modules;

namespace Repro.Torch;

public static partial class torch
{
    public static partial class nn
    {
        public static Linear Linear(long in_features, long out_features, bool hasBias = true) => new(in_features, out_features, hasBias);
        public static Conv2d Conv2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long groups = 1, bool hasBias = true) =>
            new(in_channels, out_channels, kernel_size, stride, padding, groups, hasBias);
        public static ConvTranspose2d ConvTranspose2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long output_padding = 0, bool hasBias = true) =>
            new(in_channels, out_channels, kernel_size, stride, padding, output_padding, hasBias);
        public static ReLU ReLU() => new();
        public static Dropout Dropout(double p = 0.5) => new(p);
        public static MaxPool2d MaxPool2d(long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false) => new(kernel_size, stride, padding, ceil_mode);
        public static AdaptiveAvgPool2d AdaptiveAvgPool2d(long height, long width) => new(height, width);
        public static LocalResponseNorm LocalResponseNorm(long size, double alpha = 1e-4, double beta = 0.75, double k = 1.0) => new(size, alpha, beta, k);
        public static BatchNorm BatchNorm2d(long num_features, double eps = 1e-5, double momentum = 0.1) => new(num_features, eps, momentum);
        public static BatchNorm BatchNorm1d(long num_features, double eps = 1e-5, double momentum = 0.1) => new(num_features, eps, momentum, "BatchNorm1d");
        public static Flatten Flatten(long start_dim = 1, long end_dim = -1) => new(start_dim, end_dim);
        public static Identity Identity() => new();
        public static Sequential Sequential(params (string name, Module<Tensor, Tensor> module)[] modules) => new(modules);
    }
}
