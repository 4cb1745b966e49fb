// metrics/meters: the runtime's metrics, named and described in this one
// place. Each meter is a handful of pointers into a registry, made once when
// its actor starts; a default-constructed meter (no registry: metrics off)
// does nothing. Updating costs a few relaxed atomic adds, made where the
// actor already counts (a worker's progress flush every progress_every
// batches, a server's applied commit, the driver's fault record).
//
//   actors_samples_total{node,worker}            samples trained (counter)
//   actors_worker_commits_total{node,worker}     exchanges completed (counter)
//   actors_link_bytes_total{direction,node,scope,worker}
//                                                exchange bytes between the
//                                                worker and the server,
//                                                direction sent | received,
//                                                scope between_nodes (over a
//                                                socket) | within_node (in
//                                                memory) (counter;
//                                                metrics/worker_totals.hpp)
//   actors_worker_wait_seconds_total{node,worker}
//                                                time waiting for the server
//                                                (counter)
//   actors_ps_updates_total{node}                commits the server applied
//                                                (counter)
//   actors_update_staleness{node}                updates applied between a
//                                                worker's pull and its commit,
//                                                observed at the server
//                                                (histogram; DynSGD's
//                                                staleness, Zhang et al. 2016)
//   actors_faults_total{kind}                    faults the driver handled,
//                                                kind worker | node | server
//                                                (counter)
//
// A replacement worker continues its partition's series (the same labels):
// the counters keep growing across a restart.
#pragma once

#include <cstdint>
#include <string>

#include "actors/metrics/registry.hpp"
#include "actors/metrics/worker_totals.hpp"

namespace actors::metrics {

/// The series of one worker.
class worker_meter {
public:
  worker_meter() = default;
  worker_meter(registry* r, std::uint32_t worker, const std::string& node);

  /// Adds to each counter what its total grew since the last publish.
  void publish(const worker_totals& now);

private:
  counter* samples_ = nullptr;
  counter* commits_ = nullptr;
  counter* between_sent_ = nullptr;
  counter* between_received_ = nullptr;
  counter* within_sent_ = nullptr;
  counter* within_received_ = nullptr;
  counter* wait_ = nullptr;
  worker_totals last_;
};

/// The series of a parameter server.
class server_meter {
public:
  server_meter() = default;
  server_meter(registry* r, const std::string& node);

  /// One commit applied, `staleness` updates after the centre it was made
  /// from (the server's update count minus the commit's last_update).
  void applied(std::uint64_t staleness);

private:
  counter* updates_ = nullptr;
  histogram* staleness_ = nullptr;
};

/// The driver's fault counts; every kind's series exists from the start (at
/// 0), so a query sees no fault rather than no data.
class fault_meter {
public:
  fault_meter() = default;
  explicit fault_meter(registry* r);

  /// One fault of `kind` (job_supervisor's record_fault::kind).
  void count(const std::string& kind);

private:
  registry* registry_ = nullptr;
};

/// The staleness histogram's bucket bounds (updates).
const std::vector<double>& staleness_bounds();

} // namespace actors::metrics
