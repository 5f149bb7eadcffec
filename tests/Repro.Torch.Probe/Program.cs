using System.Globalization;
using Repro.Torch;
using F = Repro.Torch.torch.nn.functional;

// Trains a small CNN on seeded random data and prints one loss per line ("R" format), so two
// processes with the same seed can be compared line by line.
// Usage: Repro.Torch.Probe <seed> <steps> [threads]
if (args.Length < 2 || !long.TryParse(args[0], CultureInfo.InvariantCulture, out var seed) ||
    !int.TryParse(args[1], CultureInfo.InvariantCulture, out var steps) || steps < 1)
{
    Console.Error.WriteLine("usage: Repro.Torch.Probe <seed> <steps> [threads]");
    return 2;
}
var threads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;

torch.set_num_threads(threads);
torch.manual_seed(seed);

using var model = torch.nn.Sequential(
    ("conv1", torch.nn.Conv2d(1, 8, 3, padding: 1)),
    ("relu1", torch.nn.ReLU()),
    ("pool1", torch.nn.MaxPool2d(2)),
    ("conv2", torch.nn.Conv2d(8, 16, 3, padding: 1)),
    ("relu2", torch.nn.ReLU()),
    ("pool2", torch.nn.MaxPool2d(2)),
    ("flatten", torch.nn.Flatten()),
    ("drop", torch.nn.Dropout(0.25)),
    ("fc", torch.nn.Linear(16 * 4 * 4, 10)));
using var optimizer = new torch.optim.SGD(model.parameters(), lr: 0.05, momentum: 0.9);

using var images = torch.randn([256, 1, 16, 16]).DetachFromDisposeScope();
using var labels = torch.randint(0, 10, [256]).DetachFromDisposeScope();

for (var step = 0; step < steps; step++)
{
    using var scope = torch.NewDisposeScope();
    var start = step * 32 % 256;
    var x = images.narrow(0, start, 32);
    var y = labels.narrow(0, start, 32);
    optimizer.zero_grad();
    var loss = F.cross_entropy(model.forward(x), y);
    loss.backward();
    optimizer.step();
    Console.WriteLine(loss.item<float>().ToString("R", CultureInfo.InvariantCulture));
}
return 0;
