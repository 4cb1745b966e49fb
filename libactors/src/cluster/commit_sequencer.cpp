#include "actors/cluster/commit_sequencer.hpp"

#include <algorithm>

namespace actors {

namespace {

sequencer_step refuse(std::string why) {
  sequencer_step out;
  out.kind = sequencer_step::refused;
  out.why = std::move(why);
  return out;
}

} // namespace

commit_sequencer::commit_sequencer(std::size_t shards, std::size_t workers,
                                   std::uint64_t next)
  : shards_(shards), next_(next), pending_(workers), fenced_(workers, 0) {
}

sequencer_step commit_sequencer::held(std::uint32_t worker,
                                      std::uint32_t generation, std::size_t shard,
                                      std::uint64_t last_update) {
  const std::string who = "commit of worker " + std::to_string(worker)
                          + " generation " + std::to_string(generation);
  if (worker >= pending_.size() || shard >= shards_)
    return refuse(who + " reported by shard " + std::to_string(shard)
                  + ": no such worker or shard");
  if (last_update > next_)
    return refuse(who + " claims update " + std::to_string(last_update)
                  + " but the shards are at " + std::to_string(next_));
  auto& p = pending_[worker];
  if (generation < fenced_[worker] || (p.open && generation < p.generation))
    return refuse(who + ": generation "
                  + std::to_string(std::max(fenced_[worker], p.generation))
                  + " replaced it");
  if (!p.open || generation > p.generation)
    p = pending{true, generation, last_update, std::vector<bool>(shards_), 0};
  if (p.shards[shard])
    return refuse(who + ": shard " + std::to_string(shard) + " reported it twice");
  if (p.last_update != last_update)
    return refuse(who + ": shard " + std::to_string(shard) + " says last update "
                  + std::to_string(last_update) + ", another part "
                  + std::to_string(p.last_update));
  p.shards[shard] = true;
  if (++p.count < shards_)
    return {};
  sequencer_step out;
  out.kind = sequencer_step::ordered;
  out.order = commit_order{next_++, worker, generation, p.last_update};
  p = pending{};
  return out;
}

void commit_sequencer::fence(std::uint32_t worker, std::uint32_t generation) {
  if (worker >= pending_.size() || generation <= fenced_[worker])
    return;
  fenced_[worker] = generation;
  if (pending_[worker].open && pending_[worker].generation < generation)
    pending_[worker] = pending{};
}

std::size_t commit_sequencer::parts_held(std::uint32_t worker) const {
  return worker < pending_.size() ? pending_[worker].count : 0;
}

} // namespace actors
