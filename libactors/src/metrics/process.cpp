#include "actors/metrics/process.hpp"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

namespace actors::metrics {

std::optional<process_figures> parse_proc_stat(const std::string& text,
                                               long ticks_per_second,
                                               long page_size) {
  const auto close = text.rfind(')');
  if (close == std::string::npos || ticks_per_second <= 0)
    return std::nullopt;
  std::istringstream in{text.substr(close + 1)};
  // Field 3 (state) is the first after the name.
  std::vector<std::string> f{std::istream_iterator<std::string>{in},
                             std::istream_iterator<std::string>{}};
  auto field = [&](std::size_t n) { return std::stod(f[n - 3]); };
  if (f.size() < 24 - 2)
    return std::nullopt;
  process_figures p;
  try {
    p.cpu_seconds = (field(14) + field(15)) / static_cast<double>(ticks_per_second);
    p.threads = field(20);
    p.virtual_bytes = field(23);
    p.resident_bytes = field(24) * static_cast<double>(page_size);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return p;
}

process_figures read_process_figures() {
  std::ifstream in{"/proc/self/stat"};
  const std::string text{std::istreambuf_iterator<char>{in},
                         std::istreambuf_iterator<char>{}};
  return parse_proc_stat(text, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE))
    .value_or(process_figures{});
}

void add_process_metrics(registry& r) {
  r.add_callback("process_cpu_seconds_total",
                 "Total user and system CPU time spent in seconds.",
                 metric_type::counter, {},
                 [] { return read_process_figures().cpu_seconds; });
  r.add_callback("process_resident_memory_bytes", "Resident memory size in bytes.",
                 metric_type::gauge, {},
                 [] { return read_process_figures().resident_bytes; });
  r.add_callback("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                 metric_type::gauge, {},
                 [] { return read_process_figures().virtual_bytes; });
  r.add_callback("process_threads", "Number of OS threads in the process.",
                 metric_type::gauge, {},
                 [] { return read_process_figures().threads; });
}

} // namespace actors::metrics
