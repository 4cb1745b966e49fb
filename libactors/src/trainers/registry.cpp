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
    // partitioning, factory
    {"single", 0, false, one, false, make<single>},
    {"averaging", 0, true, as_offered, false, make<averaging>},
    {"ensemble", 0, false, members, false, make<ensemble>},
    {"downpour", downpour::default_window, true, as_offered, true, make<downpour>},
    {"adag", adag::default_window, true, as_offered, true, make<adag>},
    {"dynsgd", dynsgd::default_window, true, as_offered, true, make<dynsgd>},
    {"aeasgd", aeasgd::default_window, true, as_offered, true, make<aeasgd>},
    {"eamsgd", aeasgd::default_window, true, as_offered, true, make<eamsgd>},
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

std::size_t fixed_workers(const update_rule& rule) {
  const auto* entry = find_trainer(rule.name());
  return entry != nullptr ? entry->fixed_workers(rule.options()) : 0;
}

} // namespace actors
