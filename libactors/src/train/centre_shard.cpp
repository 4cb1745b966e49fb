#include "actors/train/centre_shard.hpp"

#include <cmath>
#include <string>

#include "actors/trainers/registry.hpp"

namespace actors {

result<centre_shard> centre_shard::make(const rule_options& trainer,
                                        std::size_t offset, std::vector<float> values,
                                        std::uint64_t updates, std::size_t workers) {
  if (auto ok = check_shards(trainer.name, 2); !ok)
    return ok;
  if (values.empty())
    return status::invalid_argument("a centre shard needs at least one value");
  auto rule = make_rule(trainer);
  if (!rule)
    return rule.error();
  centre_shard out;
  out.rule_ = std::move(*rule);
  out.offset_ = offset;
  out.values_ = std::move(values);
  out.updates_ = updates;
  out.held_.resize(workers);
  out.generation_.assign(workers, 0);
  return out;
}

status centre_shard::hold(std::uint32_t worker, std::uint32_t generation,
                          std::vector<float> part) {
  const std::string who = "part of worker " + std::to_string(worker) + "'s commit";
  if (worker >= held_.size())
    return status::invalid_argument(who + ": no such worker (job has "
                                    + std::to_string(held_.size()) + ")");
  if (part.size() != values_.size())
    return status::invalid_argument(who + " has " + std::to_string(part.size())
                                    + " values, the shard "
                                    + std::to_string(values_.size()));
  if (generation < generation_[worker])
    return status::invalid_argument(who + " from a replaced generation "
                                    + std::to_string(generation) + " (current "
                                    + std::to_string(generation_[worker]) + ")");
  if (held_[worker].present)
    return status::invalid_argument(who + ": a part is already held");
  for (float v : part)
    if (!std::isfinite(v))
      return status::invalid_argument(who + " holds a non-finite value");
  generation_[worker] = generation;
  held_[worker] = held_part{true, generation, std::move(part)};
  return status::ok();
}

result<shard_applied> centre_shard::apply(std::uint64_t seq, std::uint32_t worker,
                                          std::uint32_t generation,
                                          std::uint64_t last_update) {
  if (seq != updates_)
    return status::invalid_argument("order " + std::to_string(seq)
                                    + " out of sequence: the shard is at update "
                                    + std::to_string(updates_));
  if (worker >= held_.size() || !held_[worker].present
      || held_[worker].generation != generation)
    return status::invalid_argument("order " + std::to_string(seq) + " for worker "
                                    + std::to_string(worker) + " generation "
                                    + std::to_string(generation)
                                    + ", whose part this shard does not hold");
  auto& part = held_[worker];
  rule_->apply(values_.data(), part.values.data(), values_.size(), updates_,
               last_update);
  part = held_part{};
  const shard_applied out{updates_ >= last_update ? updates_ - last_update : 0};
  ++updates_;
  return out;
}

void centre_shard::fence(std::uint32_t worker, std::uint32_t generation) {
  if (worker >= held_.size() || generation <= generation_[worker])
    return;
  generation_[worker] = generation;
  if (held_[worker].present && held_[worker].generation < generation)
    held_[worker] = held_part{};
}

bool centre_shard::holds(std::uint32_t worker) const {
  return worker < held_.size() && held_[worker].present;
}

} // namespace actors
