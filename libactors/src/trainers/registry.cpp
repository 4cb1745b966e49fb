#include "actors/trainers/registry.hpp"

#include "actors/trainers/adag.hpp"
#include "actors/trainers/aeasgd.hpp"
#include "actors/trainers/averaging.hpp"
#include "actors/trainers/downpour.hpp"
#include "actors/trainers/dynsgd.hpp"
#include "actors/trainers/eamsgd.hpp"
#include "actors/trainers/ensemble.hpp"
#include "actors/trainers/single.hpp"

namespace actors {

namespace {

template <class Rule>
std::unique_ptr<update_rule> make(const rule_options& full) {
  return std::make_unique<Rule>(full);
}

std::size_t as_offered(const rule_options&) { return 0; }
std::size_t one(const rule_options&) { return 1; }
std::size_t members(const rule_options& full) { return full.num_ensembles; }

} // namespace

const std::vector<trainer_entry>& trainer_registry() {
  static const std::vector<trainer_entry> table{
    // name, default window, needs a server, fixed workers, dynamic
    // partitioning, overlap, overlap by default, sharding, factory
    {"single", 0, false, one, false, false, false, false, make<single>},
    {"averaging", 0, true, as_offered, false, false, false, false,
     make<averaging>},
    {"ensemble", 0, false, members, false, false, false, false, make<ensemble>},
    {"downpour", downpour::default_window, true, as_offered, true, true, true,
     true, make<downpour>},
    {"adag", adag::default_window, true, as_offered, true, true, true, true,
     make<adag>},
    {"dynsgd", dynsgd::default_window, true, as_offered, true, true, true,
     true, make<dynsgd>},
    {"aeasgd", aeasgd::default_window, true, as_offered, true, true, false,
     true, make<aeasgd>},
    {"eamsgd", aeasgd::default_window, true, as_offered, true, true, false,
     true, make<eamsgd>},
  };
  return table;
}

const trainer_entry* find_trainer(const std::string& name) {
  for (const auto& entry : trainer_registry())
    if (name == entry.name)
      return &entry;
  return nullptr;
}

std::vector<std::string> trainer_names() {
  std::vector<std::string> out;
  for (const auto& entry : trainer_registry())
    out.emplace_back(entry.name);
  return out;
}

status check_overlap(const std::string& trainer, bool overlap) {
  const trainer_entry* entry = find_trainer(trainer);
  if (!overlap || entry == nullptr || entry->overlap)
    return status::ok();
  std::string able;
  for (const auto& e : trainer_registry())
    if (e.overlap)
      able += (able.empty() ? "" : ", ") + std::string{e.name};
  return status::invalid_argument(
    "option 'overlap': trainer '" + trainer
    + "' cannot overlap its exchanges with training (true is accepted for "
    + able + ")");
}

status check_shards(const std::string& trainer, std::size_t shards) {
  const trainer_entry* entry = find_trainer(trainer);
  if (shards <= 1 || entry == nullptr || entry->sharding)
    return status::ok();
  std::string able;
  for (const auto& e : trainer_registry())
    if (e.sharding)
      able += (able.empty() ? "" : ", ") + std::string{e.name};
  const char* why = entry->needs_server
                      ? "exchanges once an epoch in a round that waits for "
                        "every worker, which leaves no server load to split"
                      : "has no parameter server";
  return status::invalid_argument("option 'ps-shards': trainer '" + trainer
                                  + "' " + why + ", so it runs with "
                                  "--ps-shards=1 only (more is accepted for "
                                  + able + "), got "
                                  + std::to_string(shards));
}

std::size_t fixed_workers(const update_rule& rule) {
  const auto* entry = find_trainer(rule.name());
  return entry != nullptr ? entry->fixed_workers(rule.options()) : 0;
}

} // namespace actors
