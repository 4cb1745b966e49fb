// commit_sequencer: the total order in which every shard of a sharded
// parameter server (--ps-shards=N) applies the commits, kept by the lead
// shard (shard 0).
//
// A worker sends each shard its range of one commit, in parallel. Parts
// arrive at the shards in whatever order the links deliver them, so two
// workers' commits may reach shard 1 as A, B and shard 2 as B, A. Applied in
// arrival order, the ranges would stay valid asynchronous SGD each, but the
// update counts would differ between shards at any moment and DynSGD's
// staleness s = updates - last_update + 1 (trainers/dynsgd.hpp) would be a
// different number on each shard for the same commit. So the order is
// enforced rather than hoped for:
//
//   shard k holds its part of worker w's commit   -> tells the lead (held)
//   the lead has heard from all N shards          -> next sequence number q,
//                                                    tells every shard
//                                                    (commit_order)
//   every shard applies its part as update q      (train/centre_shard.hpp)
//
// Every shard therefore applies the same commits under the same numbers, the
// rule sees updates = q and the commit's last_update on every shard, and s
// is the same number everywhere; the N ranges are bit for bit one server's
// centre after the same sequence (tests/unit/centre_shard_test.cpp). And a
// commit is applied on all shards or on none: a worker that dies before all
// N parts are held leaves a commit that never gets a number, which fence()
// (the reassign of its partition) drops. Orders reach each shard over one
// connection from the lead, in the order sent (CAF keeps the order between
// two actors), and only after that shard said it holds the part: a shard
// never waits for a part or an earlier order.
//
// Each worker has at most one commit in flight (it gathers all N replies
// before it continues; with --overlap at most one exchange is in flight
// across all shards), so the sequencer keeps one pending commit per worker.
// CAF-free; one thread at a time (the lead shard actor).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace actors {

/// The lead's decision for one commit: apply it as update `seq`.
struct commit_order {
  std::uint64_t seq = 0;
  std::uint32_t worker = 0;
  std::uint32_t generation = 0;
  /// The update count the worker's centre was at (DynSGD), as its parts say.
  std::uint64_t last_update = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, commit_order& x) {
  return f(x.seq, x.worker, x.generation, x.last_update);
}

/// What a held() report led to.
struct sequencer_step {
  enum kind_type {
    /// Other shards have not reported their part yet.
    wait,
    /// Every shard holds its part: `order` is to be sent to all shards.
    ordered,
    /// The report contradicts the pending commit (`why` says how); the
    /// commit stays pending and the report is ignored.
    refused,
  };
  kind_type kind = wait;
  commit_order order;
  std::string why;
};

/// The lead shard's ordering of commits (see the file comment).
class commit_sequencer {
public:
  /// `shards` >= 1 shards, `workers` partitions, and the sequence number the
  /// next commit gets (the updates already applied: 0, or a snapshot's).
  commit_sequencer(std::size_t shards, std::size_t workers, std::uint64_t next);

  /// Shard `shard` holds its part of `worker`'s commit from incarnation
  /// `generation`, which claims `last_update`. A report of a newer
  /// generation than the pending commit's replaces it (the older one can
  /// no longer complete: its shards were fenced); one of an older
  /// generation (than the pending commit's or the last fence's), a shard reporting twice, a last_update other than the
  /// other parts' or above next(), or an unknown worker or shard is refused.
  sequencer_step held(std::uint32_t worker, std::uint32_t generation,
                      std::size_t shard, std::uint64_t last_update);

  /// The worker's partition was reassigned to `generation`: its pending
  /// commit of an older generation is dropped (it was not applied anywhere
  /// and never will be), and reports of older generations are refused from
  /// now on (a shard's report may cross the fence on its way).
  void fence(std::uint32_t worker, std::uint32_t generation);

  /// The sequence number the next complete commit gets (= updates applied
  /// on every shard once the orders sent so far are applied).
  std::uint64_t next() const { return next_; }

  /// Shards that hold a part of `worker`'s pending commit (0 if none).
  std::size_t parts_held(std::uint32_t worker) const;

private:
  struct pending {
    bool open = false;
    std::uint32_t generation = 0;
    std::uint64_t last_update = 0;
    std::vector<bool> shards;
    std::size_t count = 0;
  };

  std::size_t shards_;
  std::uint64_t next_;
  std::vector<pending> pending_;
  std::vector<std::uint32_t> fenced_; // lowest generation accepted per worker
};

} // namespace actors
