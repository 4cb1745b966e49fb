#include "actors/cluster/shard_watch.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace actors {

namespace {

// As server_watch's: the driver's silence check runs once per heartbeat
// (0.5 s by default), and its stop message takes milliseconds more.
constexpr double margin_seconds = 1.0;

std::string name_of(std::uint32_t shard) {
  return (shard == 0 ? "the lead shard 0" : "shard " + std::to_string(shard));
}

} // namespace

shard_watch::shard_watch(double fault_timeout, std::uint32_t shard, std::uint32_t shards)
  : grace_(std::max(0.0, fault_timeout) + margin_seconds),
    shard_(shard),
    shards_(shards) {
}

bool shard_watch::watches(std::uint32_t peer) const {
  if (shards_ <= 1 || peer >= shards_ || peer == shard_)
    return false;
  return shard_ == 0 || peer == 0;
}

std::vector<std::uint32_t> shard_watch::watched() const {
  std::vector<std::uint32_t> out;
  for (std::uint32_t k = 0; k < shards_; ++k)
    if (watches(k))
      out.push_back(k);
  return out;
}

std::optional<double> shard_watch::lost(std::uint32_t peer, std::string node,
                                        std::string reason, double now) {
  if (lost_at_ || !watches(peer))
    return std::nullopt;
  lost_at_ = now;
  peer_ = peer;
  node_ = std::move(node);
  reason_ = std::move(reason);
  return grace_;
}

bool shard_watch::expired(double now) const {
  return lost_at_ && now - *lost_at_ >= grace_;
}

std::string shard_watch::why() const {
  char grace[32];
  std::snprintf(grace, sizeof(grace), "%.1f", grace_);
  return "parameter server shard " + std::to_string(shard_) + " lost " + name_of(peer_)
         + (node_.empty() ? "" : " on node " + node_) + " (" + reason_
         + ") and no restart came within " + grace + " s";
}

} // namespace actors
