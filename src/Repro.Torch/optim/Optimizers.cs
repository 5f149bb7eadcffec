namespace Repro.Torch;

public static partial class torch
{
    public static class optim
    {
        /// <summary>An optimizer over a fixed parameter list; state tensors are native and owned here.</summary>
        public abstract class Optimizer : IDisposable
        {
            protected readonly IntPtr[] handles;
            readonly IReadOnlyList<Tensor> parameters;

            protected Optimizer(IEnumerable<Tensor> parameters)
            {
                this.parameters = parameters.ToList();
                handles = this.parameters.Select(p => p.Handle).ToArray();
            }

            public IReadOnlyList<Tensor> Parameters => parameters;

            /// <summary>The learning rate; schedules change it between steps.</summary>
            public double lr { get; set; }

            /// <summary>Frees every gradient buffer (PyTorch's zero_grad(set_to_none=True)).</summary>
            public unsafe void zero_grad()
            {
                fixed (IntPtr* p = handles) Native.CheckStatus(Native.THSOptim_zero_grad(p, handles.Length), "zero_grad");
                GC.KeepAlive(parameters);
            }

            public abstract void step();

            protected static void FreeState(IntPtr[] state)
            {
                for (var i = 0; i < state.Length; i++)
                {
                    if (state[i] != IntPtr.Zero) Native.THSTensor_dispose(state[i]);
                    state[i] = IntPtr.Zero;
                }
            }

            public abstract void Dispose();
        }

        /// <summary>torch.optim.SGD: momentum, dampening, Nesterov and (coupled) weight decay, in one native call per step.</summary>
        public sealed class SGD : Optimizer
        {
            readonly IntPtr[] momentumBuffers;

            public SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false) : base(parameters)
            {
                if (nesterov && (momentum <= 0 || dampening != 0)) throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening");
                this.lr = lr;
                Momentum = momentum;
                Dampening = dampening;
                WeightDecay = weight_decay;
                Nesterov = nesterov;
                momentumBuffers = new IntPtr[handles.Length];
            }

            public double Momentum { get; }
            public double Dampening { get; }
            public double WeightDecay { get; }
            public bool Nesterov { get; }

            public override unsafe void step()
            {
                fixed (IntPtr* p = handles)
                fixed (IntPtr* m = momentumBuffers)
                    Native.CheckStatus(Native.THSOptim_sgd_step(p, m, handles.Length, lr, Momentum, Dampening, WeightDecay, Nesterov ? 1 : 0, 0), "SGD.step");
                GC.KeepAlive(Parameters);
            }

            public override void Dispose() => FreeState(momentumBuffers);
        }

        /// <summary>torch.optim.Adam (and AdamW when <c>decoupled_weight_decay</c>).</summary>
        public sealed class Adam : Optimizer
        {
            readonly IntPtr[] expAvg, expAvgSq;
            long steps;

            public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0, bool decoupled_weight_decay = false) : base(parameters)
            {
                this.lr = lr;
                Beta1 = beta1;
                Beta2 = beta2;
                Eps = eps;
                WeightDecay = weight_decay;
                Decoupled = decoupled_weight_decay;
                expAvg = new IntPtr[handles.Length];
                expAvgSq = new IntPtr[handles.Length];
            }

            public double Beta1 { get; }
            public double Beta2 { get; }
            public double Eps { get; }
            public double WeightDecay { get; }
            public bool Decoupled { get; }

            public override unsafe void step()
            {
                steps++;
                fixed (IntPtr* p = handles)
                fixed (IntPtr* m = expAvg)
                fixed (IntPtr* v = expAvgSq)
                    Native.CheckStatus(Native.THSOptim_adam_step(p, m, v, handles.Length, steps, lr, Beta1, Beta2, Eps, WeightDecay, Decoupled ? 1 : 0), "Adam.step");
                GC.KeepAlive(Parameters);
            }

            public override void Dispose()
            {
                FreeState(expAvg);
                FreeState(expAvgSq);
            }
        }
    }
}
