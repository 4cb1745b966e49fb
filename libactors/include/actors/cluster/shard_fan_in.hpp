// shard_fan_in: a worker's gather of one request sent to every shard of a
// sharded parameter server (--ps-shards=N), as a state machine without CAF
// (the worker's link, runtime/shard_link.cpp, feeds it replies, errors and
// the clock, and carries out what it answers).
//
// A worker sends each shard its range of a commit (or a pull) in parallel
// and may go on only when all N replies are in: its centre is the N ranges
// joined, each after the same update (cluster/commit_sequencer.hpp). ps-lite
// does the same for a push or pull that spans several servers' key ranges
// (ps::KVWorker: one message per server, the request's callback runs when
// the last response is in, ps::Customer's tracker counting them). Here the
// rounds are numbered, so a reply that comes after its round ended (failed,
// timed out, or a shard answering twice) changes nothing, and every round
// has a deadline: a shard that never answers (its node lost without a down
// message, or a reply dropped) ends the round with an error naming the
// shards still missing, instead of a hang.
//
// One round at a time: a worker has at most one exchange in flight across
// all shards (with --overlap too). CAF-free; one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace actors {

class shard_fan_in {
public:
  /// What a reply, an error or the clock led to.
  enum class outcome {
    /// The round still waits for other shards.
    wait,
    /// This reply was the last one missing: the round is complete.
    complete,
    /// The round failed now (the first error, or its deadline passed):
    /// why() says which shard and what.
    failed,
    /// Not about the open round (an old round's, a duplicate, a shard out
    /// of range, or the round already ended): nothing changed.
    ignored,
  };

  /// A gather over `shards` >= 1 shards.
  explicit shard_fan_in(std::size_t shards);

  /// Opens a new round at `now` (seconds on a steady clock) that must be
  /// complete by now + `timeout`; a round still open is abandoned (its
  /// late replies are then ignored). Returns the round's number.
  std::uint64_t start(double now, double timeout);

  /// Shard `shard` answered round `round`.
  outcome arrived(std::uint64_t round, std::size_t shard);

  /// Shard `shard`'s request of round `round` failed with `what`: the round
  /// fails (once; later errors of it are ignored).
  outcome failed(std::uint64_t round, std::size_t shard, const std::string& what);

  /// The clock at `now`: failed if the open round's deadline has passed
  /// (why() names the shards that did not answer), else wait; ignored if
  /// no round is open.
  outcome check(double now);

  /// Whether a round is open (started, neither complete nor failed).
  bool open() const { return open_; }

  /// The open (or last) round's number; 0 before the first.
  std::uint64_t round() const { return round_; }

  /// Replies of the current round received so far.
  std::size_t received() const { return received_; }

  /// Why the last round failed.
  const std::string& why() const { return why_; }

  /// The shards whose reply the current round lacks, as "1, 2".
  std::string missing() const;

private:
  outcome fail(std::string why);

  std::size_t shards_;
  std::uint64_t round_ = 0;
  bool open_ = false;
  double deadline_ = 0;
  std::vector<bool> got_;
  std::size_t received_ = 0;
  std::string why_;
};

} // namespace actors
