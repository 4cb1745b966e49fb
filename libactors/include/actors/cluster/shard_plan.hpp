// shard_plan: how a sharded parameter server (--ps-shards=N) cuts the centre
// variable into ranges and where it puts them.
//
// Ranges are contiguous and balanced by value count, not cut at layer
// boundaries: shard k of N over n values holds
//
//   [ floor(k n / N), floor((k + 1) n / N) )
//
// so every shard holds floor(n / N) or ceil(n / N) values and each applies
// the same share of every commit (mnist_cnn's 1,048,853 values in 3 shards:
// 349,617 / 349,618 / 349,618). A cut by layer would leave one shard with the
// 1,036,800-value dense kernel (98.9 % of the model) and the link and core of
// its node as busy as one server's. ps-lite (dmlc) likewise gives each server
// an equal contiguous range of the key space
// (ps::Postoffice::GetServerKeyRanges: [kMaxKey / S * i, kMaxKey / S * (i+1)))
// and MXNet's KVStore slices an array above its big-array bound over all of
// them; here the one array is the flat parameter vector (nn/model.hpp), so the
// cut is by value.
//
// Placement is round-robin over the job's nodes starting at the server's
// node (--ps-node, default the first): shard k goes to node (first + k) mod
// nodes. With more shards than nodes the walk wraps, so a node holds
// floor(N / nodes) or ceil(N / nodes) shards; that is allowed (several
// shards on one node still split the apply work over its scheduler threads)
// but spreads no link further than N = nodes does.
//
// Pure functions of their arguments; CAF-free.
#pragma once

#include <cstddef>
#include <vector>

#include "actors/util/status.hpp"

namespace actors {

/// Values [offset, offset + count) of the model's flat parameter vector.
struct value_range {
  std::size_t offset = 0;
  std::size_t count = 0;

  std::size_t end() const { return offset + count; }
  friend bool operator==(const value_range& a, const value_range& b) {
    return a.offset == b.offset && a.count == b.count;
  }
};

/// ok if `shards` shards can split `values` values: 1 <= shards <= values;
/// otherwise invalid_argument naming --ps-shards, the value and the bound.
status check_shard_count(std::size_t shards, std::size_t values);

/// The N = `shards` ranges of `values` values, in order, covering every
/// value once (see the formula above). Requires check_shard_count.
std::vector<value_range> shard_ranges(std::size_t values, std::size_t shards);

/// The node (index into the job's node list of `nodes` entries) of shard
/// `shard`: (first + shard) mod nodes. Requires nodes >= 1, first < nodes.
std::size_t shard_node(std::size_t shard, std::size_t first, std::size_t nodes);

} // namespace actors
