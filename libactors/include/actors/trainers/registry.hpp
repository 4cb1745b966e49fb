// registry: the one table of distributed trainers (name, defaults, factory).
//
// Every place that needs to know something about a trainer by its name (the
// options' list of choices, make_rule, the driver's worker placement, the
// app's choice between the single-process and the actor runtime) asks this
// table; nothing else compares trainer names. Adding a trainer is one header
// pair and one line in registry.cpp. The table is constant: safe to read from
// any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "actors/trainers/update_rule.hpp"
#include "actors/util/status.hpp"

namespace actors {

/// One trainer's entry.
struct trainer_entry {
  /// The name users type (--trainer) and update_rule::name() returns.
  const char* name;
  /// Communication window dist-keras gives the trainer; 0 = it has none.
  std::size_t default_window;
  /// True if its workers talk to a parameter server (exchange_kind != none).
  bool needs_server;
  /// Workers the trainer fixes, from options completed by make_rule
  /// (single: 1, ensemble: num_ensembles); 0 = as many as the nodes offer.
  std::size_t (*fixed_workers)(const rule_options& full);
  /// True if its workers can take chunks from the server's queue
  /// (--partitioning=dynamic): an asynchronous rule whose commits stand
  /// alone. Averaging's round is a barrier over equal partitions; single
  /// and ensemble have no server.
  bool dynamic_partitioning;
  /// True if its workers may overlap an exchange with computing
  /// (--overlap=true; the rule with overlap is in the trainer's header).
  /// Averaging cannot (a round is a barrier), Single and Ensemble have no
  /// server.
  bool overlap;
  /// True if a run across nodes overlaps by default (when --overlap is not
  /// given; train/exchange_defaults.hpp). Not AEASGD/EAMSGD: their elastic
  /// step against a centre one exchange old acts as delayed feedback at
  /// dist-keras's rho (measured 1-2 points lower, scattered; aeasgd.hpp).
  bool overlap_default;
  /// True if its server may be split into range shards (--ps-shards > 1):
  /// a server rule that is element-wise, so that each shard applies it to
  /// its range alone (train/centre_shard.hpp works each rule out). Not
  /// Averaging (element-wise too, but one barrier round an epoch: nothing
  /// worth splitting), nor Single and Ensemble (no server).
  bool sharding;
  /// Builds the rule from options completed and checked by make_rule.
  std::unique_ptr<update_rule> (*make)(const rule_options& full);
};

/// Every trainer, in the order help texts list them.
const std::vector<trainer_entry>& trainer_registry();

/// The entry named `name`, or null.
const trainer_entry* find_trainer(const std::string& name);

/// The trainers' names, in registry order.
std::vector<std::string> trainer_names();

/// ok if `trainer` may run with `overlap`; otherwise invalid_argument naming
/// the trainer, the option and the trainers that support it. An unknown
/// trainer is make_rule's to refuse: ok here.
status check_overlap(const std::string& trainer, bool overlap);

/// ok if `trainer` may run with a server of `shards` range shards (1 is
/// always accepted: the unsharded server); otherwise invalid_argument
/// naming the option, the trainer, why, and the trainers that support it.
/// An unknown trainer is make_rule's to refuse: ok here.
status check_shards(const std::string& trainer, std::size_t shards);

/// Workers `rule` fixes (trainer_entry::fixed_workers of its options);
/// 0 = as many as the nodes offer.
std::size_t fixed_workers(const update_rule& rule);

} // namespace actors
