#include "actors/cluster/chunk_queue.hpp"

#include <algorithm>

namespace actors {

chunk_queue::chunk_queue(std::uint64_t total, std::size_t workers,
                         chunk_queue_state from)
  : total_(total), next_fresh_(std::min(from.next_fresh, total)),
    returned_(from.pending.begin(), from.pending.end()), leases_(workers) {
}

status chunk_queue::check(const chunk_queue_state& s, std::uint64_t total) {
  if (s.next_fresh > total)
    return status::invalid_argument("chunk queue at chunk "
                                    + std::to_string(s.next_fresh) + " of a run of "
                                    + std::to_string(total) + " chunks");
  for (std::size_t k = 0; k < s.pending.size(); ++k) {
    if (s.pending[k] >= s.next_fresh)
      return status::invalid_argument("pending chunk " + std::to_string(s.pending[k])
                                      + " was never handed out (next "
                                      + std::to_string(s.next_fresh) + ")");
    if (k > 0 && s.pending[k] <= s.pending[k - 1])
      return status::invalid_argument("pending chunks are not ascending and unique");
  }
  return status::ok();
}

bool chunk_queue::take(std::uint64_t& id) {
  if (!returned_.empty()) {
    id = returned_.front();
    returned_.pop_front();
    return true;
  }
  if (next_fresh_ >= total_)
    return false;
  id = next_fresh_++;
  return true;
}

std::vector<std::uint64_t> chunk_queue::lease(std::uint32_t worker,
                                              std::uint32_t generation,
                                              std::size_t depth) {
  std::vector<std::uint64_t> out;
  if (worker >= leases_.size())
    return out;
  auto& l = leases_[worker];
  if (generation < l.generation)
    return out;
  if (generation > l.generation) {
    release(worker);
    l.generation = generation;
  }
  std::uint64_t id = 0;
  while (l.chunks.size() < depth && take(id)) {
    l.chunks.push_back(id);
    out.push_back(id);
  }
  return out;
}

chunk_outcome chunk_queue::complete(std::uint32_t worker, std::uint32_t generation,
                                    std::uint64_t chunk) {
  if (worker >= leases_.size() || leases_[worker].generation != generation)
    return chunk_outcome::stale;
  auto& held = leases_[worker].chunks;
  auto it = std::find(held.begin(), held.end(), chunk);
  if (it == held.end())
    return chunk_outcome::stale;
  held.erase(it);
  return chunk_outcome::applied;
}

bool chunk_queue::leased(std::uint32_t worker, std::uint32_t generation,
                         std::uint64_t chunk) const {
  if (worker >= leases_.size() || leases_[worker].generation != generation)
    return false;
  const auto& held = leases_[worker].chunks;
  return std::find(held.begin(), held.end(), chunk) != held.end();
}

void chunk_queue::release(std::uint32_t worker) {
  if (worker >= leases_.size())
    return;
  auto& held = leases_[worker].chunks;
  returned_.insert(returned_.begin(), held.begin(), held.end());
  held.clear();
}

chunk_queue_state chunk_queue::snapshot() const {
  chunk_queue_state s;
  s.next_fresh = next_fresh_;
  s.pending.assign(returned_.begin(), returned_.end());
  for (const auto& l : leases_)
    s.pending.insert(s.pending.end(), l.chunks.begin(), l.chunks.end());
  std::sort(s.pending.begin(), s.pending.end());
  return s;
}

bool chunk_queue::done() const {
  return applied() == total_;
}

std::uint64_t chunk_queue::applied() const {
  return next_fresh_ - snapshot().pending.size();
}

std::size_t chunk_queue::held(std::uint32_t worker) const {
  return worker < leases_.size() ? leases_[worker].chunks.size() : 0;
}

} // namespace actors
