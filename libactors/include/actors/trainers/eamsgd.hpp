// eamsgd: Elastic Averaging Momentum SGD (dist-keras's EAMSGD).
//
// As AEASGD (see aeasgd.hpp), with a = rho * eta:
//
//   worker: if i % w == 0, before training batch i:
//             pull C;  E = a (W - C);  W <- W - E;  send E.
//           Then train batch i with Nesterov momentum mu:
//             v <- mu v - lr g;  W <- W + mu v - lr g.
//   server: C <- C + E.
//
// With overlap (--overlap=true) the elastic step is AEASGD's with overlap (see
// aeasgd.hpp): taken against the newest centre the worker has (one exchange
// old), sent as an exchange whose reply is the centre of the next step; the
// momentum steps are the worker's own and are not touched.
//
// The momentum part is not in this rule: worker_optimizer() returns "sgd",
// and the runtime then trains each worker with SGD with Nesterov momentum
// options().momentum (see optim/sgd.hpp), whatever optimizer the user chose;
// its learning rate is the runtime's choice. Source: Zhang, Choromanska,
// LeCun, "Deep learning with Elastic Averaging SGD" (NIPS 2015), Algorithm 2
// (EAMSGD); dist-keras 0.2.1, distkeras/workers.py (EAMSGDWorker), window=32,
// rho=5.0, learning_rate=0.1, momentum=0.9.
//
// Stateless: worker calls may run on many threads; apply() on one.
#pragma once

#include <cstddef>
#include <string>

#include "actors/trainers/aeasgd.hpp"

namespace actors {

/// EAMSGD: AEASGD's elastic step plus Nesterov momentum on the workers.
class eamsgd final : public aeasgd {
public:
  /// dist-keras's worker momentum.
  static constexpr double default_momentum = 0.9;

  /// `opts` as completed by make_rule (as aeasgd, and momentum in [0, 1)).
  explicit eamsgd(const rule_options& opts);

  std::string name() const override { return "eamsgd"; }

  /// "sgd": the runtime uses SGD with Nesterov momentum momentum().
  std::string worker_optimizer() const override { return "sgd"; }

  /// Nesterov momentum of the workers' SGD.
  double momentum() const { return opts_.momentum; }
};

} // namespace actors
