// partitioning: how a distributed job hands its training data to workers.
//
// fixed (--partitioning=static): dist-keras's scheme. The driver cuts one
// shuffle of the training set into equal contiguous slices, one per worker;
// each worker walks its slice every epoch (data/partition.hpp). A run is as
// slow as its slowest worker.
//
// dynamic (--partitioning=dynamic): every worker holds the whole training
// set and asks the parameter server for chunks of `window` batches of one
// global order per epoch (cluster/chunk_plan.hpp, cluster/chunk_queue.hpp);
// a faster worker takes more chunks. Commits per epoch are fixed by the data.
//
// Which trainers support which mode is a flag in the trainer registry
// (trainers/registry.hpp).
#pragma once

#include <cstdint>
#include <string>

#include "actors/util/status.hpp"

namespace actors {

enum class partitioning_mode : std::uint8_t {
  /// Static dist-keras slices, one per worker.
  fixed = 0,
  /// Chunks from the parameter server's queue.
  dynamic = 1,
};

/// "static" or "dynamic", as the option spells it.
const char* partitioning_name(partitioning_mode mode);

/// Parses "static" or "dynamic"; an error names `option` and the accepted
/// values.
result<partitioning_mode> parse_partitioning(const std::string& text,
                                             const std::string& option);

/// ok if trainer `trainer` supports `mode` (its registry flag
/// dynamic_partitioning), else invalid_argument naming the trainer and the
/// option. An unknown trainer is make_rule's to refuse.
status check_partitioning(const std::string& trainer, partitioning_mode mode);

} // namespace actors
