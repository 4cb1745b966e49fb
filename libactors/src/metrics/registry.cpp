#include "actors/metrics/registry.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <variant>

namespace actors::metrics {

namespace {

// C++17 has no fetch_add on atomic<double>: a compare-exchange loop, which
// with one writer per series (one worker, one server) succeeds at once.
void atomic_add(std::atomic<double>& a, double v) {
  double old = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(old, old + v, std::memory_order_relaxed))
    ;
}

bool valid_name(const std::string& n, bool colon_ok) {
  if (n.empty())
    return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                       || c == '_' || (colon_ok && c == ':');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
      return false;
  }
  return true;
}

// Label values escape backslash, double quote and newline; help text
// backslash and newline (the format's two escaping rules).
std::string escape(const std::string& s, bool quote) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (quote && c == '"')
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

// `a="x",b="y"` (no braces): the series' key and its rendered labels.
std::string label_text(const labels& l) {
  std::string out;
  for (const auto& [name, value] : l) {
    if (!valid_name(name, false) || name.rfind("__", 0) == 0)
      throw std::invalid_argument("metrics: invalid label name '" + name + "'");
    out += (out.empty() ? "" : ",") + name + "=\"" + escape(value, true) + "\"";
  }
  return out;
}

std::string braced(const std::string& text) {
  return text.empty() ? std::string{} : "{" + text + "}";
}

const char* type_name(metric_type t) {
  switch (t) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

} // namespace

void counter::add(double v) { atomic_add(value_, v); }

void gauge::add(double v) { atomic_add(value_, v); }

histogram::histogram(std::vector<double> bounds)
  : bounds_(std::move(bounds)),
    counts_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i)
    counts_[i].store(0, std::memory_order_relaxed);
  for (std::size_t i = 1; i < bounds_.size(); ++i)
    if (!(bounds_[i - 1] < bounds_[i]))
      throw std::invalid_argument("metrics: histogram bounds must increase");
}

void histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i])
    ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  atomic_add(sum_, v);
}

std::uint64_t histogram::cumulative(std::size_t i) const {
  std::uint64_t total = 0;
  for (std::size_t k = 0; k <= i && k <= bounds_.size(); ++k)
    total += counts_[k].load(std::memory_order_relaxed);
  return total;
}

std::string format_value(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

struct registry::family {
  std::string help;
  metric_type type;
  std::vector<double> bounds; // histograms
  using series = std::variant<std::unique_ptr<counter>, std::unique_ptr<gauge>,
                              std::unique_ptr<histogram>, std::function<double()>>;
  /// By label text, so the render is in label order.
  std::map<std::string, series> members;
};

registry::registry() = default;
registry::~registry() = default;

registry::family& registry::family_of(const std::string& name,
                                      const std::string& help, metric_type type) {
  if (!valid_name(name, true))
    throw std::invalid_argument("metrics: invalid metric name '" + name + "'");
  auto& f = families_[name];
  if (!f) {
    f = std::make_unique<family>();
    f->help = help;
    f->type = type;
  } else if (f->type != type || f->help != help) {
    throw std::invalid_argument("metrics: '" + name
                                + "' registered twice with another type or help");
  }
  return *f;
}

namespace {

// The series `s` as a T, made on first use; a callback there is misuse.
template <class T, class Series>
T& series_as(Series& s, const std::string& name) {
  if (auto* p = std::get_if<std::unique_ptr<T>>(&s); p && *p)
    return **p;
  if (auto* f = std::get_if<std::function<double()>>(&s); f && *f)
    throw std::invalid_argument("metrics: '" + name + "' is a callback series");
  s = std::make_unique<T>();
  return *std::get<std::unique_ptr<T>>(s);
}

} // namespace

counter& registry::make_counter(const std::string& name, const std::string& help,
                                const labels& l) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& f = family_of(name, help, metric_type::counter);
  return series_as<counter>(f.members[label_text(l)], name);
}

gauge& registry::make_gauge(const std::string& name, const std::string& help,
                            const labels& l) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& f = family_of(name, help, metric_type::gauge);
  return series_as<gauge>(f.members[label_text(l)], name);
}

histogram& registry::make_histogram(const std::string& name,
                                    const std::string& help,
                                    const std::vector<double>& bounds,
                                    const labels& l) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& f = family_of(name, help, metric_type::histogram);
  if (f.members.empty())
    f.bounds = bounds;
  else if (f.bounds != bounds)
    throw std::invalid_argument("metrics: '" + name + "' has other bounds");
  auto& s = f.members[label_text(l)];
  if (auto* h = std::get_if<std::unique_ptr<histogram>>(&s); h && *h)
    return **h;
  s = std::make_unique<histogram>(bounds);
  return *std::get<std::unique_ptr<histogram>>(s);
}

void registry::add_callback(const std::string& name, const std::string& help,
                            metric_type type, const labels& l,
                            std::function<double()> read) {
  if (type == metric_type::histogram)
    throw std::invalid_argument("metrics: a callback cannot be a histogram");
  std::lock_guard<std::mutex> guard{mtx_};
  family_of(name, help, type).members[label_text(l)] = std::move(read);
}

namespace {

void render_histogram(std::string& out, const std::string& name,
                      const std::string& lt, const histogram& h) {
  const std::string sep = lt.empty() ? "" : ",";
  for (std::size_t i = 0; i <= h.bounds().size(); ++i) {
    const std::string le
      = i < h.bounds().size() ? format_value(h.bounds()[i]) : "+Inf";
    out += name + "_bucket{" + lt + sep + "le=\"" + le + "\"} "
           + std::to_string(h.cumulative(i)) + "\n";
  }
  out += name + "_sum" + braced(lt) + " " + format_value(h.sum()) + "\n";
  out += name + "_count" + braced(lt) + " " + std::to_string(h.count()) + "\n";
}

} // namespace

std::string registry::render() const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + escape(f->help, false) + "\n";
    out += "# TYPE " + name + " " + type_name(f->type) + "\n";
    for (const auto& [lt, s] : f->members) {
      if (auto* h = std::get_if<std::unique_ptr<histogram>>(&s)) {
        render_histogram(out, name, lt, **h);
        continue;
      }
      double v = 0;
      if (auto* c = std::get_if<std::unique_ptr<counter>>(&s))
        v = (*c)->value();
      else if (auto* g = std::get_if<std::unique_ptr<gauge>>(&s))
        v = (*g)->value();
      else
        v = std::get<std::function<double()>>(s)();
      out += name + braced(lt) + " " + format_value(v) + "\n";
    }
  }
  return out;
}

} // namespace actors::metrics
