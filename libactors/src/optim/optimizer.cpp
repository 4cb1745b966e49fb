#include "actors/optim/optimizer.hpp"

#include <algorithm>
#include <sstream>

#include "actors/optim/adagrad.hpp"
#include "actors/optim/adam.hpp"
#include "actors/optim/lr_schedule.hpp"
#include "actors/optim/rmsprop.hpp"
#include "actors/optim/sgd.hpp"
#include "actors/util/thread_pool.hpp"

namespace actors {

namespace {

// Below this many blocks (32K floats, a few microseconds of work) waking the
// pool's threads costs more than it saves.
constexpr std::size_t min_parallel_blocks = 2048;

// The value as a user would have typed it (6 significant digits).
std::string show(float value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

status check_positive(const char* option, float value) {
  if (value > 0.0f) // Also rejects NaN.
    return status::ok();
  return status::invalid_argument(std::string{"optimizer option "} + option
                                  + " must be > 0, got " + show(value));
}

status check_unit_interval(const char* option, float value) {
  if (value >= 0.0f && value < 1.0f) // Also rejects NaN.
    return status::ok();
  return status::invalid_argument(std::string{"optimizer option "} + option
                                  + " must be in [0, 1), got " + show(value));
}

// The rules by name, with their default step size and their factory from
// the checked rate and options: make_optimizer's one table.
struct rule_entry {
  const char* name;
  float default_rate;
  std::unique_ptr<optimizer> (*make)(float rate, const optimizer_options& opts);
};

const rule_entry rules[] = {
  {"sgd", sgd::default_learning_rate,
   [](float rate, const optimizer_options& o) -> std::unique_ptr<optimizer> {
     return std::make_unique<sgd>(rate, o.momentum, o.nesterov);
   }},
  {"adagrad", adagrad::default_learning_rate,
   [](float rate, const optimizer_options& o) -> std::unique_ptr<optimizer> {
     return std::make_unique<adagrad>(rate, o.epsilon);
   }},
  {"rmsprop", rmsprop::default_learning_rate,
   [](float rate, const optimizer_options& o) -> std::unique_ptr<optimizer> {
     return std::make_unique<rmsprop>(rate, o.rho, o.epsilon);
   }},
  {"adam", adam::default_learning_rate,
   [](float rate, const optimizer_options& o) -> std::unique_ptr<optimizer> {
     return std::make_unique<adam>(rate, o.beta1, o.beta2, o.epsilon);
   }},
};

} // namespace

optimizer::~optimizer() = default;

void optimizer::split(
  std::size_t blocks, thread_pool* pool,
  const std::function<void(std::size_t, std::size_t)>& run) {
  if (pool == nullptr || pool->size() < 2 || blocks < min_parallel_blocks) {
    run(0, blocks);
    return;
  }
  pool->parallel_for(blocks, [&](std::size_t first, std::size_t last,
                                 std::size_t) { run(first, last); });
}

result<std::unique_ptr<optimizer>>
make_optimizer(const optimizer_options& opts) {
  const rule_entry* rule = nullptr;
  std::string names;
  for (const auto& r : rules) {
    if (opts.name == r.name)
      rule = &r;
    names += (names.empty() ? "" : ", ") + std::string{r.name};
  }
  if (rule == nullptr)
    return status::invalid_argument("unknown optimizer '" + opts.name
                                    + "'; expected one of: " + names);
  // Only the declared default -1 means "unset", so that a mistyped negative
  // rate is reported rather than silently replaced.
  const float rate =
    opts.learning_rate == -1.0f ? rule->default_rate : opts.learning_rate;
  // Every option is checked, even those the chosen rule ignores: a value out
  // of range is a mistake whichever rule is in use.
  for (const status& st :
       {check_positive("learning_rate", rate),
        check_unit_interval("momentum", opts.momentum),
        check_unit_interval("rho", opts.rho),
        check_unit_interval("beta1", opts.beta1),
        check_unit_interval("beta2", opts.beta2),
        check_positive("epsilon", opts.epsilon)})
    if (!st)
      return st;
  if (auto sched = parse_lr_schedule(opts.lr_schedule); !sched)
    return sched.error();
  return {rule->make(rate, opts)};
}

} // namespace actors
