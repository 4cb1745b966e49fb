// Tests for the process figures read from /proc/self/stat: a known line
// parsed field by field (a command name with spaces and parentheses), short
// or garbled text refused, and this process's own figures plausible.
#include <doctest/doctest.h>

#include <string>

#include "actors/metrics/process.hpp"
#include "actors/metrics/registry.hpp"

using namespace actors::metrics;

TEST_CASE("process: /proc/PID/stat fields 14, 15, 20, 23 and 24") {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt
  // cmajflt utime=250 stime=50 cutime cstime prio nice threads=7 itreal
  // starttime vsize=123456789 rss=1000 ...
  const std::string line
    = "4242 (caf node (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 "
      "0 7 0 12345 123456789 1000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0";
  auto p = parse_proc_stat(line, 100, 4096);
  REQUIRE(p);
  CHECK(p->cpu_seconds == doctest::Approx(3.0)); // (250 + 50) / 100
  CHECK(p->threads == 7);
  CHECK(p->virtual_bytes == 123456789);
  CHECK(p->resident_bytes == 1000 * 4096);
}

TEST_CASE("process: short or garbled text is refused") {
  CHECK_FALSE(parse_proc_stat("", 100, 4096));
  CHECK_FALSE(parse_proc_stat("1 (x) S 1 2 3", 100, 4096));
  CHECK_FALSE(parse_proc_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 a b 0 0 20 0 7 0 1 2 3",
                              100, 4096));
}

TEST_CASE("process: this process's figures are plausible") {
  const auto p = read_process_figures();
  CHECK(p.threads >= 1);
  CHECK(p.resident_bytes > 1e5);
  CHECK(p.virtual_bytes >= p.resident_bytes);
  registry r;
  add_process_metrics(r);
  const std::string text = r.render();
  CHECK(text.find("# TYPE process_cpu_seconds_total counter\n") != std::string::npos);
  CHECK(text.find("# TYPE process_resident_memory_bytes gauge\n") != std::string::npos);
}
