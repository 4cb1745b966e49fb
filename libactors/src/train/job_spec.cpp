#include "actors/train/job_spec.hpp"

namespace actors {

optimizer_options effective_optimizer(const job_spec& job,
                                      const update_rule& rule) {
  optimizer_options out = job.optimizer;
  if (auto prescribed = rule.worker_optimizer(); !prescribed.empty()) {
    out.name = prescribed;
    out.momentum = static_cast<float>(rule.options().momentum);
    out.nesterov = true;
  }
  return out;
}

scaling scaling_of(const schedule_options& schedule) {
  scaling out;
  out.old_max = schedule.scale_max;
  return out;
}

} // namespace actors
