// metrics/process: the process's own CPU time, memory and threads, read
// from /proc/self/stat (proc(5): fields 14-15 utime and stime in clock
// ticks, 20 num_threads, 23 vsize in bytes, 24 rss in pages), under the
// names Prometheus's own client libraries use (process_cpu_seconds_total,
// process_resident_memory_bytes, ...), so existing dashboards read them.
// Linux only; elsewhere the figures are 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "actors/metrics/registry.hpp"

namespace actors::metrics {

/// What /proc/self/stat says about the process.
struct process_figures {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double threads = 0;
};

/// Parses the text of /proc/PID/stat (the command name may hold spaces and
/// parentheses: fields are counted after its last ')'); nullopt if it is
/// too short.
std::optional<process_figures> parse_proc_stat(const std::string& text,
                                               long ticks_per_second,
                                               long page_size);

/// Reads /proc/self/stat now; zeros if it cannot.
process_figures read_process_figures();

/// Adds process_cpu_seconds_total, process_resident_memory_bytes,
/// process_virtual_memory_bytes and process_threads to `r`, read at each
/// render.
void add_process_metrics(registry& r);

} // namespace actors::metrics
