#!/usr/bin/python3
"""PyTorch DDP (gloo) peer of the seed table (bench/seed_table.sh).

One process per emulated host; bench/seed_table.sh starts rank r in host r's
network namespace, pinned to that host's core. Same recipe as train_mnist
runs there: mnist_cnn (1,048,853 parameters, Glorot-uniform kernels, zero
biases), Adam with Keras' defaults, batch 16 per process, pixels / 250,
every epoch a fresh permutation cut into one shard per rank, the ragged last
batch dropped.

--mode says how often the ranks exchange and in what format, as a PyTorch
user would configure DDP for a slow link:
  per-batch        all-reduce the gradients after every batch (plain DDP);
  window-N         accumulate the gradients of N batches locally under
                   DDP's no_sync() and all-reduce once per window, then take
                   one optimizer step with their mean (ADAG exchanges every
                   5 batches with its server: window-5 is the same window);
  ...-fp16         the gradients cross the wire as fp16: PyTorch's
                   fp16_compress_hook (ddp_comm_hooks.default_hooks),
                   registered with register_comm_hook.
Every mode registers a comm hook that counts what it all-reduces (plain
modes wrap default_hooks.allreduce_hook, which does what DDP's built-in
all-reduce does), so the report says how many gradient exchanges (allreduces)
and bucket all-reduces ran and how many payload bytes entered them; the
bytes this rank wrote to its sockets come from /proc/self/io.

Rank 0 evaluates the test set after training and writes one JSON object to
--report. Run with Debian's interpreter (python3-torch 1.13):
  /usr/bin/python3 bench/seed_table/ddp_peer.py --rank=0 --world-size=2 \
      --master=10.213.0.11:29500 --data-dir=data/mnist --mode=window-5-fp16 \
      --report=ddp.json
A benchmark tool only: the project never needs Python.
"""

import argparse
import datetime
import gzip
import json
import os
import re
import resource
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.distributed.algorithms.ddp_comm_hooks import default_hooks
from torch.nn.parallel import DistributedDataParallel

SEED_MODEL_PARAMETERS = 1_048_853


def idx_array(path):
    """An IDX file (plain or gzip, told by its first bytes) as a uint8 array."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:3] != b"\x00\x00\x08":
        sys.exit(f"ddp_peer: {path}: not an unsigned-byte IDX file")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(raw[3])]
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * len(dims))
    if body.size != int(np.prod(dims)):
        sys.exit(f"ddp_peer: {path}: header says {dims}, body has {body.size} bytes")
    return body.reshape(dims)


def split(data_dir, prefix, scale_max):
    """(N x 1 x 28 x 28 float32 images, N int64 labels) of one split."""
    def find(kind):
        for name in (f"{prefix}-{kind}", f"{prefix}-{kind}.gz"):
            if os.path.exists(os.path.join(data_dir, name)):
                return os.path.join(data_dir, name)
        sys.exit(f"ddp_peer: no {prefix}-{kind}[.gz] in {data_dir}")
    images = idx_array(find("images-idx3-ubyte"))
    labels = idx_array(find("labels-idx1-ubyte"))
    if images.shape[0] != labels.shape[0]:
        sys.exit(f"ddp_peer: {prefix}: {images.shape[0]} images, {labels.shape[0]} labels")
    x = torch.from_numpy(images.astype(np.float32) / scale_max).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))


def seed_model():
    """mnist_cnn: conv 32 3x3, conv 32 3x3, max-pool 2, dense 225, dense 10."""
    layers = [nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 32, 3), nn.ReLU(),
              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 12 * 12, 225), nn.ReLU(),
              nn.Linear(225, 10)]
    for layer in layers:
        # Keras' initialisers, as the engine uses.
        if hasattr(layer, "weight"):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    return nn.Sequential(*layers)


def parse_mode(mode):
    """(window, fp16) of a --mode: per-batch | window-N, optionally -fp16."""
    m = re.fullmatch(r"(per-batch|window-([1-9][0-9]*))(-fp16)?", mode)
    if not m:
        print(f"ddp_peer: --mode={mode}: expected per-batch, window-N or either with -fp16 "
              "(per-batch, window-5, window-5-fp16)", file=sys.stderr)
        sys.exit(2)  # bad usage, as argparse's own errors
    return (int(m.group(2)) if m.group(2) else 1), m.group(3) is not None


class HookCounts:
    """What counting_hook saw: bucket all-reduces and the payload they carried.

    counting_hook hands each bucket to PyTorch's own hook (allreduce_hook, or
    fp16_compress_hook, which casts the bucket to fp16, all-reduces it and
    casts back) and counts the bytes that enter the collective: 4 per value,
    2 with fp16.
    """

    def __init__(self, fp16):
        self.hook = default_hooks.fp16_compress_hook if fp16 else default_hooks.allreduce_hook
        self.bytes_per_value = 2 if fp16 else 4
        self.calls = 0
        self.payload_bytes = 0


def counting_hook(state: HookCounts, bucket: dist.GradBucket) -> torch.futures.Future[torch.Tensor]:
    """The DDP comm hook registered in every mode: counts, then PyTorch's hook."""
    state.calls += 1
    state.payload_bytes += bucket.buffer().numel() * state.bytes_per_value
    return state.hook(None, bucket)  # None: the default process group


def bytes_written():
    """Bytes this process has passed to write-like system calls (sockets included)."""
    with open("/proc/self/io") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("wchar:"))


def train(a, ddp, counter, optimizer, x_train, y_train, window):
    """Trains a.epochs epochs of this rank's shards; returns (batches, steps,
    exchanges): exchanges counts the backward passes during which the comm
    hook all-reduced something (observed, not assumed).

    Within a window every batch but the last runs under no_sync(), so the
    gradients add up in .grad without an all-reduce; the last batch's
    backward all-reduces their sum, and one optimizer step follows. The loss
    is divided by the window's length, so the step uses the mean gradient.
    """
    loss_fn = nn.CrossEntropyLoss()
    rows = x_train.shape[0]
    shard_rows = rows // a.world_size
    batches_per_epoch = shard_rows // a.batch_size
    # Same generator on every rank: they agree on the permutation and cut it.
    order_rng = torch.Generator().manual_seed(a.seed)
    batches = steps = exchanges = 0
    ddp.train()
    for _ in range(a.epochs):
        mine = torch.randperm(rows, generator=order_rng)[a.rank * shard_rows:(a.rank + 1) * shard_rows]
        for first in range(0, batches_per_epoch, window):
            last = min(first + window, batches_per_epoch)
            optimizer.zero_grad(set_to_none=True)
            for s in range(first, last):
                idx = mine[s * a.batch_size:(s + 1) * a.batch_size]
                calls = counter.calls
                if s + 1 < last:
                    with ddp.no_sync():
                        (loss_fn(ddp(x_train[idx]), y_train[idx]) / (last - first)).backward()
                else:
                    # backward() returns once DDP's all-reduce of every bucket is done.
                    (loss_fn(ddp(x_train[idx]), y_train[idx]) / (last - first)).backward()
                exchanges += counter.calls > calls
                batches += 1
            optimizer.step()
            steps += 1
    return batches, steps, exchanges


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rank", type=int, required=True)
    p.add_argument("--world-size", type=int, required=True)
    p.add_argument("--master", required=True, help="ADDR:PORT of rank 0's rendezvous")
    p.add_argument("--data-dir", required=True, help="directory with train-/t10k- IDX files")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=16, help="per process")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--scale-max", type=float, default=250.0, help="the seed's pixel scale")
    p.add_argument("--threads", type=int, default=1, help="torch threads (one core per host)")
    p.add_argument("--timeout", type=int, default=300, help="seconds any collective may take")
    p.add_argument("--mode", default="window-5-fp16",
                   help="per-batch | window-N, either optionally with -fp16 (default window-5-fp16)")
    p.add_argument("--limit-rows", type=int, default=0,
                   help="train on the first N training rows only, for quick checks (0 = all)")
    p.add_argument("--report", default="", help="JSON report written by rank 0")
    a = p.parse_args()
    window, fp16 = parse_mode(a.mode)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x_train, y_train = split(a.data_dir, "train", a.scale_max)
    x_test, y_test = split(a.data_dir, "t10k", a.scale_max)
    if a.limit_rows:
        x_train, y_train = x_train[:a.limit_rows], y_train[:a.limit_rows]

    setup_start = time.perf_counter()
    dist.init_process_group("gloo", init_method=f"tcp://{a.master}", rank=a.rank,
                            world_size=a.world_size,
                            timeout=datetime.timedelta(seconds=a.timeout))
    model = seed_model()
    parameters = sum(t.numel() for t in model.parameters())
    if parameters != SEED_MODEL_PARAMETERS:
        sys.exit(f"ddp_peer: {parameters} parameters, the seed's model has {SEED_MODEL_PARAMETERS}")
    # DDP broadcasts rank 0's initial weights, so every rank starts equal.
    ddp = DistributedDataParallel(model)
    counter = HookCounts(fp16)
    ddp.register_comm_hook(state=counter, hook=counting_hook)
    optimizer = torch.optim.Adam(ddp.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-7)

    dist.barrier()
    written = bytes_written()
    start = time.perf_counter()
    batches, steps, exchanges = train(a, ddp, counter, optimizer, x_train, y_train, window)
    dist.barrier()
    train_seconds = time.perf_counter() - start
    written = bytes_written() - written
    rows = x_train.shape[0]

    result = {}
    if a.rank == 0:
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, x_test.shape[0], 100):
                correct += int((model(x_test[i:i + 100]).argmax(1) == y_test[i:i + 100]).sum())
        result = {
            "peer": "pytorch-ddp-gloo",
            "torch_version": torch.__version__,
            "mode": a.mode,
            "window": window,
            "comm_hook": "fp16_compress_hook" if fp16 else "allreduce_hook",
            "world_size": a.world_size,
            "threads_per_process": torch.get_num_threads(),
            "epochs": a.epochs,
            "batch_size_per_process": a.batch_size,
            "train_rows": rows,
            "test_rows": int(x_test.shape[0]),
            "batches_per_process": batches,
            "optimizer_steps_per_process": steps,
            "allreduces": exchanges,
            "bucket_allreduces": counter.calls,
            "allreduce_payload_bytes": counter.payload_bytes,
            "bytes_written_rank0": written,
            "parameters": parameters,
            "train_seconds": round(train_seconds, 3),
            "wall_seconds": round(time.perf_counter() - setup_start, 3),
            "samples_per_second": round(batches * a.batch_size * a.world_size / train_seconds, 1),
            "seconds_per_batch": round(train_seconds / max(batches, 1), 5),
            "test_accuracy": round(correct / x_test.shape[0], 4),
            "peak_rss_mb_rank0": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        if a.report:
            with open(a.report, "w") as f:
                json.dump(result, f, indent=2)
                f.write("\n")
    dist.destroy_process_group()
    if result:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
