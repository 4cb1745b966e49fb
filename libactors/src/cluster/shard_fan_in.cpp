#include "actors/cluster/shard_fan_in.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace actors {

shard_fan_in::shard_fan_in(std::size_t shards)
  : shards_(std::max<std::size_t>(1, shards)), got_(shards_, false) {
}

std::uint64_t shard_fan_in::start(double now, double timeout) {
  ++round_;
  open_ = true;
  deadline_ = now + timeout;
  std::fill(got_.begin(), got_.end(), false);
  received_ = 0;
  why_.clear();
  return round_;
}

shard_fan_in::outcome shard_fan_in::arrived(std::uint64_t round, std::size_t shard) {
  if (!open_ || round != round_ || shard >= shards_ || got_[shard])
    return outcome::ignored;
  got_[shard] = true;
  if (++received_ < shards_)
    return outcome::wait;
  open_ = false;
  return outcome::complete;
}

shard_fan_in::outcome shard_fan_in::failed(std::uint64_t round, std::size_t shard,
                                           const std::string& what) {
  if (!open_ || round != round_ || shard >= shards_)
    return outcome::ignored;
  return fail("shard " + std::to_string(shard) + " of " + std::to_string(shards_)
              + ": " + what);
}

shard_fan_in::outcome shard_fan_in::check(double now) {
  if (!open_)
    return outcome::ignored;
  if (now < deadline_)
    return outcome::wait;
  return fail("no reply from shard " + missing() + " of " + std::to_string(shards_)
              + " within the timeout");
}

std::string shard_fan_in::missing() const {
  std::string out;
  for (std::size_t k = 0; k < shards_; ++k)
    if (!got_[k])
      out += (out.empty() ? "" : ", ") + std::to_string(k);
  return out;
}

shard_fan_in::outcome shard_fan_in::fail(std::string why) {
  open_ = false;
  why_ = std::move(why);
  return outcome::failed;
}

} // namespace actors
