"""The engine benchmark's PyTorch side: one epoch of Fashion-MNIST with the reference CNN.

The same workload as bench/Repro.Bench (read its Program.cs): the whole training set as one float
tensor, a seeded permutation for the epoch, each batch gathered with index_select, SGD lr 0.05,
cross entropy, optimizer.zero_grad(set_to_none=True). A few warm-up steps are run first and not
timed; then every remaining full batch of the epoch is timed.

Prints key=value lines (ms_per_step, steps, threads, peak_rss_mb, ...) for bench/run.sh.
"""
import argparse
import gzip
import os
import resource
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">i", data[:4])[0]
    ndim = magic & 0xFF
    shape = struct.unpack(">" + "i" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


class ReferenceCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--steps", type=int, default=0, help="timed steps; 0 = the rest of the epoch")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    images = read_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz"))
    x_all = torch.from_numpy(images.astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    y_all = torch.from_numpy(labels.astype(np.int64))
    n = x_all.shape[0]

    model = ReferenceCnn()
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)

    order = torch.randperm(n)
    full_batches = n // args.batch
    total = full_batches if args.steps == 0 else min(full_batches, args.warmup + args.steps)

    def step(b):
        index = order[b * args.batch:(b + 1) * args.batch]
        x = x_all.index_select(0, index)
        y = y_all.index_select(0, index)
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    for b in range(args.warmup):
        step(b)
    faults_before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    cpu_start = time.process_time()
    start = time.perf_counter()
    for b in range(args.warmup, total):
        loss = step(b)
    final_loss = loss.item()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_before
    timed = total - args.warmup

    print(f"engine=pytorch {torch.__version__}")
    print(f"threads={torch.get_num_threads()}")
    print(f"steps={timed}")
    print(f"ms_per_step={elapsed * 1000 / timed:.3f}")
    print(f"cpu_ms_per_step={cpu * 1000 / timed:.3f}")
    print(f"page_faults_per_step={faults / timed:.1f}")
    print(f"final_loss={final_loss:.6f}")
    print(f"peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")


if __name__ == "__main__":
    sys.exit(main())
