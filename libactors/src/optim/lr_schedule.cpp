#include "actors/optim/lr_schedule.hpp"

#include <cmath>
#include <cstdlib>

namespace actors {

namespace {

constexpr double pi = 3.14159265358979323846;

status bad_schedule(const std::string& option, const std::string& text) {
  return status::invalid_argument(
    "option '" + option + "' expects constant, step:EPOCHS:FACTOR (EPOCHS an "
    "integer >= 1, FACTOR a number > 0) or cosine, got '" + text + "'");
}

} // namespace

result<lr_schedule_spec> parse_lr_schedule(const std::string& text,
                                           const std::string& option) {
  lr_schedule_spec spec;
  if (text == "constant")
    return spec;
  if (text == "cosine") {
    spec.shape = lr_schedule_spec::kind::cosine;
    return spec;
  }
  if (text.rfind("step:", 0) != 0)
    return bad_schedule(option, text);
  const std::string rest = text.substr(5);
  const auto colon = rest.find(':');
  if (colon == std::string::npos)
    return bad_schedule(option, text);
  const std::string epochs = rest.substr(0, colon);
  const std::string factor = rest.substr(colon + 1);
  char* end = nullptr;
  if (epochs.empty() || epochs.find_first_not_of("0123456789") != std::string::npos)
    return bad_schedule(option, text);
  const unsigned long long e = std::strtoull(epochs.c_str(), &end, 10);
  if (e < 1 || e > 1000000)
    return bad_schedule(option, text);
  end = nullptr;
  const double f = std::strtod(factor.c_str(), &end);
  if (factor.empty() || end != factor.c_str() + factor.size() || !std::isfinite(f)
      || f <= 0)
    return bad_schedule(option, text);
  spec.shape = lr_schedule_spec::kind::step;
  spec.step_epochs = static_cast<std::size_t>(e);
  spec.step_factor = f;
  return spec;
}

lr_schedule::lr_schedule(lr_schedule_spec spec, std::size_t warmup,
                         std::size_t total, std::size_t per_epoch)
  : spec_(spec), warmup_(warmup), total_(total > 0 ? total : 1),
    per_epoch_(per_epoch > 0 ? per_epoch : 1) {
}

double lr_schedule::factor(std::size_t t) const {
  if (t < warmup_)
    return static_cast<double>(t + 1) / static_cast<double>(warmup_);
  switch (spec_.shape) {
    case lr_schedule_spec::kind::constant:
      return 1.0;
    case lr_schedule_spec::kind::step:
      return std::pow(spec_.step_factor,
                      static_cast<double>(t / (spec_.step_epochs * per_epoch_)));
    case lr_schedule_spec::kind::cosine: {
      if (t >= total_ || total_ <= warmup_)
        return 0.0;
      const double cur = static_cast<double>(t - warmup_);
      const double span = static_cast<double>(total_ - warmup_);
      return 0.5 * (1.0 + std::cos(pi * cur / span));
    }
  }
  return 1.0;
}

bool lr_schedule::is_constant() const {
  return warmup_ == 0 && spec_.shape == lr_schedule_spec::kind::constant;
}

} // namespace actors
