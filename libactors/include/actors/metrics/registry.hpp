// metrics/registry: counters, gauges and histograms with labels, rendered in
// the Prometheus text exposition format, version 0.0.4
// (prometheus.io/docs/instrumenting/exposition_formats: `# HELP`, `# TYPE`,
// then one `name{label="value",...} number` line per series; a histogram is
// its cumulative `_bucket{le="..."}` lines, `_sum` and `_count`).
//
// Threads: make_counter(), make_gauge(), make_histogram() and add_callback()
// take a mutex, find or create the series and return a reference that stays
// valid as long as the registry. Updating through that reference is
// lock-free (relaxed atomics: one add per batch or per commit on the hot
// path, nothing else), so actors update while an HTTP thread renders.
// render() takes the mutex and reads every value once: each series is read
// at some moment during the render, not all at one instant.
//
// Misuse (an invalid metric or label name, one name with two types) is a
// programming error and throws std::invalid_argument.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace actors::metrics {

/// Label names and values of one series, rendered in this order.
using labels = std::vector<std::pair<std::string, std::string>>;

/// What a family of series is, as its `# TYPE` line says.
enum class metric_type { counter, gauge, histogram };

/// A value that only grows (Prometheus resets are process restarts).
class counter {
public:
  /// Adds `v` (>= 0).
  void add(double v = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<double> value_{0.0};
};

/// A value that goes up and down.
class gauge {
public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double v);
  double value() const { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<double> value_{0.0};
};

/// Observations counted in buckets with fixed upper bounds (`le`), plus
/// their sum and count.
class histogram {
public:
  /// `bounds`: strictly increasing upper bounds; +Inf is implied.
  explicit histogram(std::vector<double> bounds);

  void observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  /// Observations <= bounds()[i] (cumulative); i == bounds().size() is +Inf.
  std::uint64_t cumulative(std::size_t i) const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  std::uint64_t count() const { return cumulative(bounds_.size()); }

private:
  std::vector<double> bounds_;
  /// Per bucket, not cumulative; the last one is (bounds_.back(), +Inf).
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<double> sum_{0.0};
};

/// The metrics of one process; see the header comment.
class registry {
public:
  registry();
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// The counter `name{l}`, made (at 0) on first use; `help` describes the
  /// family and must be the same for every series of it.
  counter& make_counter(const std::string& name, const std::string& help,
                        const labels& l = {});
  gauge& make_gauge(const std::string& name, const std::string& help,
                    const labels& l = {});
  /// Every series of one histogram family has the same `bounds`.
  histogram& make_histogram(const std::string& name, const std::string& help,
                            const std::vector<double>& bounds,
                            const labels& l = {});
  /// A counter or gauge whose value `read` gives at each render (process
  /// figures read from /proc); `read` runs on the rendering thread.
  void add_callback(const std::string& name, const std::string& help,
                    metric_type type, const labels& l,
                    std::function<double()> read);

  /// Every family in name order, each series in label order, in the text
  /// format 0.0.4; ends with a newline (empty registry: empty string).
  std::string render() const;

private:
  struct family;
  family& family_of(const std::string& name, const std::string& help,
                    metric_type type);

  mutable std::mutex mtx_;
  std::map<std::string, std::unique_ptr<family>> families_;
};

/// The Content-Type of render()'s text.
inline constexpr const char* text_format_content_type
  = "text/plain; version=0.0.4; charset=utf-8";

/// A sample value as the text format writes it: the shortest decimal that
/// reads back to `v` ("3", "0.25", "1e+21"), "+Inf", "-Inf" or "NaN".
std::string format_value(double v);

} // namespace actors::metrics
