// centre_shard: one shard of a sharded parameter server (--ps-shards=N): the
// values of one contiguous range of the centre variable and the trainer's
// server rule applied to them, commit by commit, in the order the lead shard
// gives (cluster/commit_sequencer.hpp).
//
// Why a shard may apply the rule to its range alone: every server rule that
// sharding allows is element-wise, C[i] <- f(C[i], r[i], updates,
// last_update), with no sum, norm or state across elements
// (trainers/registry.hpp, column `sharding`):
//
//   DOWNPOUR, ADAG        C[i] += r[i]                  (adag.hpp: r already
//                                                        divided by the window)
//   DynSGD                C[i] += r[i] / s,  s = (updates - last_update) + 1
//   AEASGD, EAMSGD        C[i] += E[i]                  (E = a (W - C~), made
//                                                        by the worker)
//
// so shard k applying f to [offset_k, offset_k + count_k) with the same
// `updates` and `last_update` as one server computes exactly that server's
// values there, float for float. `updates` is the commit's sequence number
// (the same on every shard by construction) and `last_update` travels in the
// order, so DynSGD's s is the same on every shard. Averaging's rule is
// element-wise too, but its round is a barrier over every worker once an
// epoch, a load not worth splitting: not allowed (nor Single and Ensemble,
// which have no server).
//
// A worker's part waits here (hold) until the lead orders it (apply); a
// fenced worker's part is dropped. CAF-free; one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "actors/trainers/update_rule.hpp"
#include "actors/util/status.hpp"

namespace actors {

/// What apply() did, for the shard's counters and meters.
struct shard_applied {
  /// The staleness the rule saw: updates before this commit minus the
  /// commit's last_update (the server meter's definition).
  std::uint64_t staleness = 0;
};

/// One shard's range of the centre and its rule.
class centre_shard {
public:
  /// A shard holding the range [offset, offset + values.size()) of a centre
  /// with `updates` commits applied, for `workers` partitions, under the
  /// trainer `trainer` (make_rule's options). invalid_argument if the
  /// trainer's registry entry does not allow sharding, make_rule refuses
  /// the options, or the range is empty.
  static result<centre_shard> make(const rule_options& trainer, std::size_t offset,
                                   std::vector<float> values, std::uint64_t updates,
                                   std::size_t workers);

  /// Keeps `part` (this shard's range of `worker`'s commit from incarnation
  /// `generation`) until the lead orders it. bad size, unknown worker, a
  /// non-finite value, an older generation than one already seen, or a
  /// part already held for the worker: invalid_argument, nothing kept.
  status hold(std::uint32_t worker, std::uint32_t generation, std::vector<float> part);

  /// Applies the held part of `worker` (incarnation `generation`) as update
  /// `seq`, which must be updates(); the rule sees updates = seq and
  /// `last_update`. invalid_argument if the sequence is broken or the part
  /// is not here (nothing applied).
  result<shard_applied> apply(std::uint64_t seq, std::uint32_t worker,
                              std::uint32_t generation, std::uint64_t last_update);

  /// The worker's partition moved to `generation`: drops its held part of
  /// an older incarnation, and refuses older ones from now on.
  void fence(std::uint32_t worker, std::uint32_t generation);

  /// True if a part of `worker` is held.
  bool holds(std::uint32_t worker) const;

  std::size_t offset() const { return offset_; }
  std::size_t count() const { return values_.size(); }
  const std::vector<float>& values() const { return values_; }
  std::uint64_t updates() const { return updates_; }

private:
  struct held_part {
    bool present = false;
    std::uint32_t generation = 0;
    std::vector<float> values;
  };

  centre_shard() = default;

  std::unique_ptr<update_rule> rule_;
  std::size_t offset_ = 0;
  std::vector<float> values_;
  std::uint64_t updates_ = 0;
  std::vector<held_part> held_;
  std::vector<std::uint32_t> generation_; // newest seen per worker
};

} // namespace actors
