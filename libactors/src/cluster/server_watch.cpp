#include "actors/cluster/server_watch.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace actors {

namespace {

// The driver's silence check runs once per heartbeat (0.5 s by default),
// and its stop message takes milliseconds more.
constexpr double margin_seconds = 1.0;
// A sharded server's own shard watch (the same margin) ends first.
constexpr double shard_watch_seconds = 1.0;

} // namespace

server_watch::server_watch(double fault_timeout, bool sharded)
  : grace_(std::max(0.0, fault_timeout) + margin_seconds
           + (sharded ? shard_watch_seconds : 0.0)) {
}

std::optional<double> server_watch::lost(std::string reason, double now) {
  if (lost_at_)
    return std::nullopt;
  lost_at_ = now;
  reason_ = std::move(reason);
  return grace_;
}

bool server_watch::expired(double now) const {
  return lost_at_ && now - *lost_at_ >= grace_;
}

std::string server_watch::why(const std::string& server,
                              std::optional<std::uint32_t> shard) const {
  char grace[32];
  std::snprintf(grace, sizeof(grace), "%.1f", grace_);
  return "lost the parameter server"
         + (shard ? "'s shard " + std::to_string(*shard) : std::string{})
         + (server.empty() ? "" : " on " + server)
         + " (" + reason_ + ") and no restart came within " + grace + " s";
}

} // namespace actors
