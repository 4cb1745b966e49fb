// update_rule: one distributed trainer's algorithm, worker side and server
// side together (dist-keras's DOWNPOUR, ADAG, DynSGD, AEASGD, EAMSGD,
// Averaging, Ensemble, Single).
//
// The actor runtime asks the rule, at every mini-batch of a worker, whether
// to talk to the parameter server, what to send, and how the server folds
// what it receives into the centre variable. The rule knows nothing about
// actors or sockets, so it is tested numerically on its own. Every vector is
// the model's flat parameter vector (see nn/model.hpp), of length n.
//
// Worker-side calls are const and may run on many workers at once;
// server-side calls (apply, round_complete) run on the parameter server only,
// one at a time, and may keep state there (Averaging sums a round of models).
// One header per trainer (single.hpp, averaging.hpp, ensemble.hpp,
// downpour.hpp, adag.hpp, dynsgd.hpp, aeasgd.hpp, eamsgd.hpp) gives its
// worker and server formulas and their source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/util/status.hpp"

namespace actors {

/// Settings of a distributed trainer. A count of 0 (window, num_ensembles)
/// or a negative real (rho, elastic_lr, momentum) means "the trainer's
/// dist-keras default"; make_rule fills those in and rejects the rest of the
/// out-of-range values (rho or elastic_lr of 0, momentum of 1, workers 0).
struct rule_options {
  /// single, averaging, ensemble, downpour, adag, dynsgd, aeasgd or eamsgd.
  std::string name = "adag";
  /// Communication window in mini-batches (downpour 5, adag 12, dynsgd 5,
  /// aeasgd/eamsgd 32).
  std::size_t window = 0;
  /// Elasticity rho of AEASGD/EAMSGD (dist-keras default 5.0).
  double rho = -1;
  /// Elastic learning rate of AEASGD/EAMSGD (dist-keras default 0.1).
  double elastic_lr = -1;
  /// Worker momentum of EAMSGD (dist-keras default 0.9).
  double momentum = -1;
  /// Models trained by Ensemble (dist-keras default 2).
  std::size_t num_ensembles = 0;
  /// Number of workers taking part (Averaging averages over them); the
  /// driver sets it once it has placed the workers.
  std::size_t workers = 1;
};

/// Serialization and printing (CAF's inspect protocol), without naming CAF.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rule_options& x) {
  return f(x.name, x.window, x.rho, x.elastic_lr, x.momentum, x.num_ensembles,
           x.workers);
}

/// How a worker talks to the server at a communication point.
enum class exchange_kind {
  /// No parameter server (single, ensemble).
  none,
  /// Send a payload computed from the local weights, then pull the centre
  /// and continue from it (downpour, adag, dynsgd, averaging).
  push_then_pull,
  /// Pull the centre first, take an elastic step towards it, send the
  /// elastic difference, continue from the local weights (aeasgd, eamsgd).
  pull_then_push,
};

/// One trainer's rules; built by make_rule.
class update_rule {
public:
  virtual ~update_rule();

  /// Trainer name, e.g. "adag".
  virtual std::string name() const = 0;

  /// The options after defaults were applied.
  const rule_options& options() const { return opts_; }

  virtual exchange_kind kind() const = 0;

  // -- worker side -----------------------------------------------------------

  /// True if the worker communicates before training mini-batch `i`
  /// (1-based, counted from the start of each epoch).
  virtual bool communicate_before(std::size_t /*i*/) const { return false; }

  /// True if the worker communicates after training mini-batch `i`.
  virtual bool communicate_after(std::size_t /*i*/) const { return false; }

  /// True if the worker communicates after its last batch of an epoch.
  virtual bool communicate_at_epoch_end() const { return false; }

  /// push_then_pull: writes the payload from the local weights `w` and the
  /// weights at the last pull `w_pull`. The default (rules of another kind,
  /// never meant to call it) writes zeros, a no-op for every server that adds
  /// deltas to the centre.
  virtual void make_payload(const float* w, const float* w_pull, float* payload,
                            std::size_t n) const;

  /// pull_then_push: given the centre, moves `w` towards it in place and
  /// writes the elastic difference to send into `payload`. The default (rules
  /// of another kind) leaves `w` alone and writes zeros.
  virtual void elastic_step(float* w, const float* centre, float* payload,
                            std::size_t n) const;

  /// Overlapped exchange (--overlap), push_then_pull: the centre `centre`
  /// answering a commit made from the local weights `w_sent` arrives after the
  /// worker has trained on to `w`; keeps the progress made since sending:
  ///   W <- C + (W - W_sent)
  /// (with W = W_sent, no progress, this is the plain rule's W <- C). The
  /// default (rules of another kind, whose W is not replaced by the centre)
  /// leaves `w` alone.
  virtual void rebase(float* w, const float* centre, const float* w_sent,
                      std::size_t n) const;

  /// The worker's local optimizer, if the trainer prescribes one (EAMSGD:
  /// "sgd" with Nesterov momentum); empty keeps the user's optimizer.
  virtual std::string worker_optimizer() const { return {}; }

  // -- server side -----------------------------------------------------------

  /// Folds one payload into the centre. `updates` is the number of payloads
  /// applied before this one, `last_update` the value of `updates` that the
  /// sending worker saw at its last pull (DynSGD's staleness).
  virtual void apply(float* centre, const float* payload, std::size_t n,
                     std::uint64_t updates, std::uint64_t last_update) = 0;

  /// For rules that combine a round of payloads (Averaging): true once every
  /// worker's payload of the current round has been applied, so pulls
  /// waiting for the round may be answered. Other rules: always true.
  virtual bool round_complete() const { return true; }

  /// True when apply() works value by value: applying a payload's values
  /// in ranges, one call per range with the same `updates` and
  /// `last_update`, gives the centre one call gives, float for float (so
  /// the server may apply a coded payload a decoded run at a time).
  /// False (default) for rules that keep state per call (Averaging).
  virtual bool applies_by_value() const { return false; }

protected:
  rule_options opts_;
};

/// Builds the named rule with dist-keras's defaults for unset options, or
/// explains what is wrong (unknown name, rho or elastic_lr not a finite
/// number > 0, momentum outside [0, 1), workers 0), naming the option, the
/// value and what is accepted. Every option is defaulted and checked whatever
/// the trainer, as a bad value is a mistake even where it is unused; window
/// stays 0 for the trainers that have none (single, averaging, ensemble).
result<std::unique_ptr<update_rule>> make_rule(const rule_options& opts);

/// Number of payloads a worker sends in one epoch of `batches` mini-batches:
/// the i in [1, batches] with communicate_before(i) or communicate_after(i),
/// plus one if communicate_at_epoch_end(); 0 for exchange_kind::none.
std::size_t commits_per_epoch(const update_rule& rule, std::size_t batches);

} // namespace actors
