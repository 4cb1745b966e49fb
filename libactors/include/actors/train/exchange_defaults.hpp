// exchange_defaults: how the workers of a run exchange with the parameter
// server when the user does not say: partitioning, overlap and wire codec.
//
// Issue 11 item 3: a run across nodes takes by default the fastest
// combination whose test accuracy stays within 0.5 points of the exact
// dist-keras run (static partitions, no overlap, fp32) on the seed
// workload (mnist_cnn, Adam, ADAG window 5, batch 16, 5 epochs of
// Fashion-MNIST, two emulated hosts with 1 Gbit/s links and one core
// each). Measured with bench/scaling.sh; the figures are in
// bench/results/scaling.md and the README:
//   - dynamic partitioning (cluster/chunk_queue.hpp): no worker idles while
//     another still has data, so a run is not as slow as its slowest host;
//   - overlap (train/exchange_slot.hpp): the wire is hidden behind the next
//     window's compute, for the trainers whose registry entry says so
//     (overlap_default: not AEASGD/EAMSGD, whose elastic step against a
//     centre one exchange old cost 1-2 points at dist-keras's rho);
//   - int8 (wire/int8.cpp): a quarter of fp32's bytes, 8-bit deltas with
//     error feedback.
// Averaging (a barrier round of whole models, static), Single and Ensemble
// (no server) keep the exact settings across nodes too.
// Within one process nothing crosses a wire and no host is slower than
// another: the defaults stay dist-keras's (static, no overlap, fp32), so
// `train_mnist` without --nodes reproduces the seed's semantics.
//
// The seed's exact semantics are always one set of options away:
// --partitioning=static --overlap=false --wire=fp32.
#pragma once

#include <string>

#include "actors/train/partitioning.hpp"

namespace actors {

/// One choice of the three exchange settings.
struct exchange_choice {
  partitioning_mode partitioning = partitioning_mode::fixed;
  bool overlap = false;
  /// A codec name (wire/codec.hpp).
  std::string wire = "fp32";
};

/// The driver's choice for trainer `trainer` (a registry name) on a run
/// across nodes (`multi_node`) or in one process; an unknown trainer gets
/// the exact settings (make_rule refuses it later).
exchange_choice default_exchange(const std::string& trainer, bool multi_node);

/// The exact dist-keras settings: static, no overlap, fp32.
exchange_choice exact_exchange();

} // namespace actors
