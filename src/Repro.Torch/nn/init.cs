namespace Repro.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>torch.nn.init: in-place initialisers, drawn from torch's seeded generator outside autograd.</summary>
        public static class init
        {
            /// <summary>Fan-in of a weight: in_features for [out, in], in_channels * kernel area for [out, in, kh, kw].</summary>
            public static long fan_in(Tensor weight)
            {
                var s = weight.shape;
                if (s.Length < 2) throw new ArgumentException("fan_in needs a weight with at least 2 dimensions");
                long receptive = 1;
                for (var i = 2; i < s.Length; i++) receptive *= s[i];
                return s[1] * receptive;
            }

            /// <summary>He et al. 2015: N(0, gain^2 / fan_in) with gain sqrt(2) for ReLU, keeping activation variance
            /// constant through ReLU layers.</summary>
            public static Tensor kaiming_normal_(Tensor weight, double gain = 1.4142135623730951)
            {
                using (no_grad()) return weight.normal_(0, gain / Math.Sqrt(fan_in(weight)));
            }

            public static Tensor normal_(Tensor t, double mean = 0, double std = 1)
            {
                using (no_grad()) return t.normal_(mean, std);
            }

            public static Tensor zeros_(Tensor t)
            {
                using (no_grad()) return t.zero_();
            }
        }
    }
}
