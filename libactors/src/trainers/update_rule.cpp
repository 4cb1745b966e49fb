#include "actors/trainers/update_rule.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "actors/trainers/aeasgd.hpp"
#include "actors/trainers/eamsgd.hpp"
#include "actors/trainers/ensemble.hpp"
#include "actors/trainers/registry.hpp"

namespace actors {

namespace {

// "single, averaging, ...": every name in the registry.
std::string rule_names() {
  std::string out;
  for (const auto& name : trainer_names())
    out += (out.empty() ? "" : ", ") + name;
  return out;
}

// The value as a user would have typed it (6 significant digits).
std::string show(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

status check_positive(const char* option, double value) {
  if (value > 0.0 && std::isfinite(value)) // Also rejects NaN.
    return status::ok();
  return status::invalid_argument(std::string{"trainer option "} + option
                                  + " must be a finite number > 0, got "
                                  + show(value));
}

status check_unit_interval(const char* option, double value) {
  if (value >= 0.0 && value < 1.0) // Also rejects NaN.
    return status::ok();
  return status::invalid_argument(std::string{"trainer option "} + option
                                  + " must be in [0, 1), got " + show(value));
}

status check_at_least_one(const char* option, std::size_t value) {
  if (value >= 1)
    return status::ok();
  return status::invalid_argument(std::string{"trainer option "} + option
                                  + " must be >= 1, got "
                                  + std::to_string(value));
}

} // namespace

update_rule::~update_rule() = default;

void update_rule::make_payload(const float*, const float*, float* payload,
                               std::size_t n) const {
  std::fill(payload, payload + n, 0.0f);
}

void update_rule::elastic_step(float*, const float*, float* payload,
                               std::size_t n) const {
  std::fill(payload, payload + n, 0.0f);
}

void update_rule::rebase(float*, const float*, const float*,
                         std::size_t) const {
}

result<std::unique_ptr<update_rule>> make_rule(const rule_options& opts) {
  const trainer_entry* entry = find_trainer(opts.name);
  if (entry == nullptr)
    return status::invalid_argument("unknown trainer name '" + opts.name
                                    + "'; expected one of: " + rule_names());
  rule_options full = opts;
  if (full.window == 0)
    full.window = entry->default_window;
  // Only negatives mean "unset": 0 is a value, and a wrong one for rho and
  // elastic_lr. NaN is not negative, so it stays and is rejected below.
  if (full.rho < 0.0)
    full.rho = aeasgd::default_rho;
  if (full.elastic_lr < 0.0)
    full.elastic_lr = aeasgd::default_elastic_lr;
  if (full.momentum < 0.0)
    full.momentum = eamsgd::default_momentum;
  if (full.num_ensembles == 0)
    full.num_ensembles = ensemble::default_num_ensembles;
  // Every option is checked, even those the chosen trainer ignores: a value
  // out of range is a mistake whichever trainer is in use.
  for (const status& st : {check_positive("rho", full.rho),
                           check_positive("elastic_lr", full.elastic_lr),
                           check_unit_interval("momentum", full.momentum),
                           check_at_least_one("num_ensembles",
                                              full.num_ensembles),
                           check_at_least_one("workers", full.workers)})
    if (!st)
      return st;
  return {entry->make(full)};
}

std::size_t commits_per_epoch(const update_rule& rule, std::size_t batches) {
  if (rule.kind() == exchange_kind::none)
    return 0;
  // Asking the rule at every batch, rather than using floor(batches / w),
  // keeps this right for any rule's schedule; an epoch has at most a few
  // hundred thousand batches.
  std::size_t commits = 0;
  for (std::size_t i = 1; i <= batches; ++i)
    if (rule.communicate_before(i) || rule.communicate_after(i))
      ++commits;
  if (rule.communicate_at_epoch_end())
    ++commits;
  return commits;
}

} // namespace actors
