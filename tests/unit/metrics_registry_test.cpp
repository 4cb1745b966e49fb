// Tests for the metrics registry: the exact text of a rendering in the
// Prometheus text format 0.0.4 (families in name order, series in label
// order, cumulative histogram buckets, escaping), the shortest number
// format, misuse refused, and concurrent adds losing nothing.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "actors/metrics/meters.hpp"
#include "actors/metrics/registry.hpp"

using namespace actors::metrics;

TEST_CASE("metrics: a counter, a gauge and a histogram render exactly") {
  registry r;
  r.make_counter("b_total", "Things done.", {{"worker", "1"}}).add(3);
  r.make_counter("b_total", "Things done.", {{"worker", "0"}}).add(0.5);
  r.make_gauge("a_bytes", "Memory.").set(1048576);
  auto& h = r.make_histogram("c", "Staleness.", {0, 1, 4}, {{"node", "n1"}});
  for (double v : {0.0, 1.0, 1.0, 3.0, 9.0}) // buckets 1, 2, 1, +Inf 1
    h.observe(v);
  CHECK(r.render()
        == "# HELP a_bytes Memory.\n"
           "# TYPE a_bytes gauge\n"
           "a_bytes 1048576\n"
           "# HELP b_total Things done.\n"
           "# TYPE b_total counter\n"
           "b_total{worker=\"0\"} 0.5\n"
           "b_total{worker=\"1\"} 3\n"
           "# HELP c Staleness.\n"
           "# TYPE c histogram\n"
           "c_bucket{node=\"n1\",le=\"0\"} 1\n"
           "c_bucket{node=\"n1\",le=\"1\"} 3\n"
           "c_bucket{node=\"n1\",le=\"4\"} 4\n"
           "c_bucket{node=\"n1\",le=\"+Inf\"} 5\n"
           "c_sum{node=\"n1\"} 14\n"
           "c_count{node=\"n1\"} 5\n");
}

TEST_CASE("metrics: the same name and labels give the same series") {
  registry r;
  auto& a = r.make_counter("x_total", "X.", {{"k", "v"}});
  auto& b = r.make_counter("x_total", "X.", {{"k", "v"}});
  CHECK(&a == &b);
  a.add(2);
  b.add(5);
  CHECK(a.value() == 7);
  CHECK(&r.make_counter("x_total", "X.", {{"k", "w"}}) != &a);
}

TEST_CASE("metrics: label values and help text are escaped") {
  registry r;
  r.make_gauge("g", "Back\\slash and\nnewline.", {{"path", "C:\\a \"b\"\nc"}}).set(-2);
  CHECK(r.render()
        == "# HELP g Back\\\\slash and\\nnewline.\n"
           "# TYPE g gauge\n"
           "g{path=\"C:\\\\a \\\"b\\\"\\nc\"} -2\n");
}

TEST_CASE("metrics: callbacks are read at each render") {
  registry r;
  double cpu = 1.25;
  r.add_callback("process_cpu_seconds_total", "CPU.", metric_type::counter, {},
                 [&] { return cpu; });
  CHECK(r.render().find("process_cpu_seconds_total 1.25\n") != std::string::npos);
  cpu = 2;
  CHECK(r.render().find("process_cpu_seconds_total 2\n") != std::string::npos);
}

TEST_CASE("metrics: values use the shortest exact decimal") {
  CHECK(format_value(0) == "0");
  CHECK(format_value(3) == "3");
  CHECK(format_value(0.1) == "0.1");
  CHECK(format_value(1e21) == "1e+21");
  CHECK(format_value(123456789012.0) == "123456789012");
  CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(format_value(std::nan("")) == "NaN");
}

TEST_CASE("metrics: misuse is refused") {
  registry r;
  r.make_counter("n_total", "N.");
  CHECK_THROWS_AS(r.make_gauge("n_total", "N."), std::invalid_argument);
  CHECK_THROWS_AS(r.make_counter("n_total", "Other help."), std::invalid_argument);
  CHECK_THROWS_AS(r.make_counter("9lives", "N."), std::invalid_argument);
  CHECK_THROWS_AS(r.make_counter("a-b", "N."), std::invalid_argument);
  CHECK_THROWS_AS(r.make_counter("m_total", "M.", {{"bad-label", "x"}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(r.make_counter("m_total", "M.", {{"__reserved", "x"}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(histogram({1, 1}), std::invalid_argument);
  r.make_histogram("h", "H.", {1, 2});
  CHECK_THROWS_AS(r.make_histogram("h", "H.", {1, 3}, {{"k", "v"}}),
                  std::invalid_argument);
}

TEST_CASE("metrics: concurrent adds and observations lose nothing") {
  registry r;
  auto& c = r.make_counter("c_total", "C.");
  auto& h = r.make_histogram("h", "H.", {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.add(0.5);
        h.observe(i % 2); // 0 or 1: every observation is <= 1
      }
    });
  for (auto& t : threads)
    t.join();
  CHECK(c.value() == 20000); // 4 x 10000 x 0.5, exact in binary
  CHECK(h.count() == 40000);
  CHECK(h.cumulative(0) == 40000);
  CHECK(h.sum() == 20000); // 4 x 5000 ones
}

TEST_CASE("meters: a worker publishes what grew since its last publish") {
  registry r;
  worker_meter m{&r, 3, "n1"};
  worker_totals t;
  t.samples = 160;
  t.commits = 2;
  t.between_nodes.sent = 1000;
  t.between_nodes.received = 2000;
  t.within_node.sent = 300;
  t.wait_seconds = 0.25;
  m.publish(t);
  t.samples = 320;
  t.commits = 4;
  t.wait_seconds = 0.75;
  m.publish(t);
  // A replacement worker of the same partition starts from zero totals and
  // continues the same series.
  worker_meter again{&r, 3, "n1"};
  worker_totals t2;
  t2.samples = 16;
  again.publish(t2);
  const std::string text = r.render();
  CHECK(text.find("actors_samples_total{node=\"n1\",worker=\"3\"} 336\n")
        != std::string::npos);
  CHECK(text.find("actors_worker_commits_total{node=\"n1\",worker=\"3\"} 4\n")
        != std::string::npos);
  // Bytes between nodes and within the node are separate series.
  CHECK(text.find("actors_link_bytes_total{direction=\"sent\",node=\"n1\",scope=\"between_nodes\",worker=\"3\"} 1000\n")
        != std::string::npos);
  CHECK(text.find("actors_link_bytes_total{direction=\"received\",node=\"n1\",scope=\"between_nodes\",worker=\"3\"} 2000\n")
        != std::string::npos);
  CHECK(text.find("actors_link_bytes_total{direction=\"sent\",node=\"n1\",scope=\"within_node\",worker=\"3\"} 300\n")
        != std::string::npos);
  CHECK(text.find("actors_link_bytes_total{direction=\"received\",node=\"n1\",scope=\"within_node\",worker=\"3\"} 0\n")
        != std::string::npos);
  CHECK(text.find("actors_worker_wait_seconds_total{node=\"n1\",worker=\"3\"} 0.75\n")
        != std::string::npos);
}

TEST_CASE("meters: the server counts updates and their staleness") {
  registry r;
  server_meter m{&r, "n2"};
  for (std::uint64_t s : {0, 2, 2, 5, 200})
    m.applied(s);
  const std::string text = r.render();
  CHECK(text.find("actors_ps_updates_total{node=\"n2\"} 5\n") != std::string::npos);
  CHECK(text.find("actors_update_staleness_bucket{node=\"n2\",le=\"2\"} 3\n")
        != std::string::npos);
  CHECK(text.find("actors_update_staleness_bucket{node=\"n2\",le=\"6\"} 4\n")
        != std::string::npos);
  CHECK(text.find("actors_update_staleness_bucket{node=\"n2\",le=\"128\"} 4\n")
        != std::string::npos);
  CHECK(text.find("actors_update_staleness_sum{node=\"n2\"} 209\n") != std::string::npos);
  CHECK(text.find("actors_update_staleness_count{node=\"n2\"} 5\n") != std::string::npos);
}

TEST_CASE("meters: every fault kind exists at zero; counts add up") {
  registry r;
  fault_meter m{&r};
  m.count("worker");
  m.count("worker");
  CHECK(r.render()
        == "# HELP actors_faults_total Faults the driver handled, by kind.\n"
           "# TYPE actors_faults_total counter\n"
           "actors_faults_total{kind=\"node\"} 0\n"
           "actors_faults_total{kind=\"server\"} 0\n"
           "actors_faults_total{kind=\"worker\"} 2\n");
}

TEST_CASE("meters: without a registry every meter does nothing") {
  worker_meter w;
  w.publish(worker_totals{});
  server_meter s;
  s.applied(3);
  fault_meter f;
  f.count("node");
}
