namespace Repro.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>
        /// A module: named parameters, buffers and children, registered explicitly in the constructor.
        /// It owns its parameters and buffers (they belong to no dispose scope) and frees them on Dispose.
        /// </summary>
        public abstract class Module : IDisposable
        {
            readonly List<(string name, Tensor tensor)> ownParameters = new();
            readonly List<(string name, Tensor tensor)> buffers = new();
            readonly List<(string name, Module module)> children = new();
            bool disposed;

            protected Module(string name) => Name = name;

            public string Name { get; }

            public bool training { get; private set; } = true;

            protected Tensor register_parameter(string name, Tensor value, bool requires_grad = true)
            {
                CheckName(name);
                value.DetachFromDisposeScope();
                value.requires_grad = requires_grad;
                ownParameters.Add((name, value));
                return value;
            }

            protected Tensor register_buffer(string name, Tensor value)
            {
                CheckName(name);
                value.DetachFromDisposeScope();
                buffers.Add((name, value));
                return value;
            }

            protected T register_module<T>(string name, T module) where T : Module
            {
                CheckName(name);
                children.Add((name, module));
                return module;
            }

            void CheckName(string name)
            {
                if (string.IsNullOrEmpty(name) || name.Contains('.')) throw new ArgumentException($"invalid name '{name}'");
                if (ownParameters.Any(p => p.name == name) || buffers.Any(b => b.name == name) || children.Any(c => c.name == name))
                    throw new ArgumentException($"{Name}: '{name}' is registered twice");
            }

            public IEnumerable<(string name, Module module)> named_children() => children;

            public IEnumerable<(string name, Module module)> named_modules(string prefix = "")
            {
                yield return (prefix, this);
                foreach (var (name, child) in children)
                    foreach (var m in child.named_modules(prefix.Length == 0 ? name : $"{prefix}.{name}"))
                        yield return m;
            }

            public IEnumerable<(string name, Tensor parameter)> named_parameters(string prefix = "")
            {
                foreach (var (name, p) in ownParameters) yield return (Join(prefix, name), p);
                foreach (var (name, child) in children)
                    foreach (var p in child.named_parameters(Join(prefix, name))) yield return p;
            }

            public IEnumerable<(string name, Tensor buffer)> named_buffers(string prefix = "")
            {
                foreach (var (name, b) in buffers) yield return (Join(prefix, name), b);
                foreach (var (name, child) in children)
                    foreach (var b in child.named_buffers(Join(prefix, name))) yield return b;
            }

            /// <summary>All trainable tensors, depth first, in registration order.</summary>
            public IReadOnlyList<Tensor> parameters() => named_parameters().Select(p => p.parameter).ToList();

            static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";

            /// <summary>Parameters and buffers by dotted name (the tensors themselves, not copies).</summary>
            public IReadOnlyDictionary<string, Tensor> state_dict()
            {
                var d = new Dictionary<string, Tensor>();
                foreach (var (n, p) in named_parameters()) d[n] = p;
                foreach (var (n, b) in named_buffers()) d[n] = b;
                return d;
            }

            /// <summary>Copies values into this module's tensors; shapes must match; strict: keys must match exactly.</summary>
            public void load_state_dict(IReadOnlyDictionary<string, Tensor> source, bool strict = true)
            {
                var own = state_dict();
                if (strict)
                {
                    var missing = own.Keys.Except(source.Keys).ToList();
                    var unexpected = source.Keys.Except(own.Keys).ToList();
                    if (missing.Count > 0 || unexpected.Count > 0)
                        throw new ArgumentException($"{Name}: state dict mismatch; missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]");
                }
                foreach (var (key, value) in source)
                {
                    if (!own.TryGetValue(key, out var target)) continue;
                    if (!target.shape.SequenceEqual(value.shape))
                        throw new ArgumentException($"{Name}: '{key}' has shape [{string.Join(", ", target.shape)}], the state dict holds [{string.Join(", ", value.shape)}]");
                    target.copy_from(value);
                }
            }

            public Module train(bool on = true)
            {
                training = on;
                foreach (var (_, c) in children) c.train(on);
                return this;
            }

            public Module eval() => train(false);

            public void zero_grad()
            {
                foreach (var (_, p) in named_parameters()) p.zero_grad();
            }

            /// <summary>Moves parameters and buffers to a device in place (handles keep their identity).</summary>
            public Module to(Device device)
            {
                for (var i = 0; i < ownParameters.Count; i++)
                {
                    var (name, p) = ownParameters[i];
                    if (p.device == device) continue;
                    var moved = p.detach().to(device).DetachFromDisposeScope();
                    moved.requires_grad = p.requires_grad;
                    p.Dispose();
                    ownParameters[i] = (name, moved);
                    OnParameterReplaced(name, moved);
                }
                for (var i = 0; i < buffers.Count; i++)
                {
                    var (name, b) = buffers[i];
                    if (b.device == device) continue;
                    var moved = b.to(device).DetachFromDisposeScope();
                    b.Dispose();
                    buffers[i] = (name, moved);
                    OnParameterReplaced(name, moved);
                }
                foreach (var (_, c) in children) c.to(device);
                return this;
            }

            /// <summary>Lets a module refresh fields that point at a parameter or buffer replaced by <see cref="to"/>.</summary>
            protected virtual void OnParameterReplaced(string name, Tensor replacement) { }

            protected Tensor Parameter(string name) => ownParameters.First(p => p.name == name).tensor;
            protected Tensor Buffer(string name) => buffers.First(b => b.name == name).tensor;

            public long parameter_count() => named_parameters().Sum(p => p.parameter.numel());

            public virtual void Dispose()
            {
                if (disposed) return;
                disposed = true;
                foreach (var (_, p) in ownParameters) p.Dispose();
                foreach (var (_, b) in buffers) b.Dispose();
                foreach (var (_, c) in children) c.Dispose();
                GC.SuppressFinalize(this);
            }
        }

        /// <summary>A module with a forward function from <typeparamref name="TIn"/> to <typeparamref name="TOut"/>.</summary>
        public abstract class Module<TIn, TOut> : Module
        {
            protected Module(string name) : base(name) { }

            public abstract TOut forward(TIn input);

            public TOut call(TIn input) => forward(input);
        }
    }
}
