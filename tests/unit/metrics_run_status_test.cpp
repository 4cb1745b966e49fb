// Tests for metrics::run_status, the model behind /status.json and the HTML
// report: the ETA's arithmetic, every field of the document worked by hand
// from a small run (rates, wait share, mean staleness, bytes, the server's
// node), the curve's downsampling, restarts summed, the end, and text that
// the page must escape surviving the JSON unchanged. The document is read
// back with nlohmann::json, a parser independent of the writer.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "actors/metrics/run_status.hpp"

using namespace actors::metrics;
using nlohmann::json;

namespace {

worker_report report(std::uint32_t w, std::uint64_t samples, std::uint64_t commits) {
  worker_report r;
  r.worker = w;
  r.grown.samples = samples;
  r.batches = samples / 16;
  r.grown.commits = commits;
  return r;
}

run_info three_workers() {
  run_info i;
  i.trainer = "adag";
  i.dataset = "mnist";
  i.epochs = 2;
  i.batch_size = 16;
  i.total_samples = 120000; // 2 epochs x 60,000 rows
  i.workers = 3;
  i.poll_seconds = 1;
  return i;
}

} // namespace

TEST_CASE("run_status: the ETA is the samples left at the mean rate so far") {
  // 15,000 of 60,000 samples in 30 s: 500 samples/s, 45,000 left: 90 s.
  CHECK(*run_status::eta(60000, 15000, 30) == doctest::Approx(90));
  // 1 of 4 in 2 s: 3 left at 0.5/s: 6 s.
  CHECK(*run_status::eta(4, 1, 2) == doctest::Approx(6));
  CHECK(*run_status::eta(100, 100, 5) == 0);
  CHECK(*run_status::eta(100, 150, 5) == 0);
  CHECK_FALSE(run_status::eta(100, 0, 5).has_value());
  CHECK_FALSE(run_status::eta(0, 10, 5).has_value());
  CHECK_FALSE(run_status::eta(100, 10, 0).has_value());
}

TEST_CASE("run_status: the document's fields, worked by hand") {
  run_status s;
  s.begin(three_workers());
  s.nodes({{"n1", "127.0.0.1:7001"}, {"n2", "127.0.0.1:7002"}, {"n3", "127.0.0.1:7003"}});
  s.server_at(0);
  s.worker_placed(0, "n1", 0);
  s.worker_placed(1, "n2", 2); // placed 2 s in
  s.worker_placed(2, "n3", 0);
  auto r1 = report(1, 3200, 40);
  r1.grown.wait_seconds = 2.5;
  r1.grown.between_nodes.sent = 1000;
  r1.grown.between_nodes.received = 3000;
  r1.grown.staleness_sum = 12;
  r1.grown.staleness_count = 4;
  r1.grown.chunks = 7;
  r1.epoch = 1;
  s.report(r1, 12); // active 12 - 2 = 10 s
  auto r0 = report(0, 26800, 60);
  r0.grown.within_node.sent = 500;
  s.report(r0, 30);
  s.server_at(2);
  s.node_lost(1);
  s.fault({20.5, "node", "node n2 lost", "worker 1 restarted on n3"});
  s.evaluation({100, 25, 0.91, 0.3, "validation"});

  const json j = json::parse(s.to_json(30));
  CHECK(j["state"] == "running");
  CHECK(j["seconds"] == 30);
  CHECK(j["poll_seconds"] == 1);
  CHECK(j["run"]["trainer"] == "adag");
  CHECK(j["run"]["total_samples"] == 120000);
  // 30,000 samples of 120,000 in 30 s: 1,000/s, 90,000 left: 90 s.
  CHECK(j["progress"]["samples"] == 30000);
  CHECK(j["progress"]["updates"] == 100);
  CHECK(j["progress"]["fraction"].get<double>() == doctest::Approx(0.25));
  CHECK(j["progress"]["samples_per_second"].get<double>() == doctest::Approx(1000));
  CHECK(j["progress"]["eta_seconds"].get<double>() == doctest::Approx(90));
  // Asked 10 s later with no report since: the clock moves, the rates are
  // still those of the latest report (30 s).
  const json later = json::parse(s.to_json(40));
  CHECK(later["seconds"] == 40);
  CHECK(later["progress"]["samples_per_second"].get<double>() == doctest::Approx(1000));
  CHECK(later["progress"]["eta_seconds"].get<double>() == doctest::Approx(90));
  CHECK(j["bytes"]["sent"] == 1500);
  CHECK(j["bytes"]["received"] == 3000);
  // Worker 1's server was on another node, worker 0's on its own.
  CHECK(j["bytes"]["between_nodes"]["sent"] == 1000);
  CHECK(j["bytes"]["between_nodes"]["received"] == 3000);
  CHECK(j["bytes"]["within_nodes"]["sent"] == 500);
  CHECK(j["bytes"]["within_nodes"]["received"] == 0);
  CHECK(j["workers"][0]["bytes_sent_within_node"] == 500);
  CHECK(j["workers"][0]["bytes_sent_between_nodes"] == 0);
  CHECK(j["workers"][1]["bytes_received_between_nodes"] == 3000);

  REQUIRE(j["nodes"].size() == 3);
  CHECK(j["nodes"][0]["server"] == false);
  CHECK(j["nodes"][2]["server"] == true);
  CHECK(j["nodes"][1]["alive"] == false);
  CHECK(j["nodes"][1]["address"] == "127.0.0.1:7002");
  CHECK(j["nodes"][0]["workers"] == 1);

  REQUIRE(j["workers"].size() == 3);
  const auto& w1 = j["workers"][1];
  CHECK(w1["node"] == "n2");
  CHECK(w1["samples_per_second"].get<double>() == doctest::Approx(320)); // 3200/10
  CHECK(w1["wait_share"].get<double>() == doctest::Approx(0.25));        // 2.5/10
  CHECK(w1["staleness"].get<double>() == doctest::Approx(3));            // 12/4
  CHECK(w1["commits"] == 40);
  CHECK(w1["chunks"] == 7);
  CHECK(w1["epoch"] == 1);
  CHECK(j["workers"][0]["samples_per_second"].get<double>() == doctest::Approx(26800.0 / 30));
  CHECK(j["workers"][0]["staleness"].is_null()); // no commit measured
  CHECK(j["workers"][2]["samples_per_second"].is_null()); // no report yet

  REQUIRE(j["faults"].size() == 1);
  CHECK(j["faults"][0]["seconds"] == 20.5);
  CHECK(j["faults"][0]["action"] == "worker 1 restarted on n3");
  REQUIRE(j["evaluations"].size() == 1);
  CHECK(j["evaluations"][0]["accuracy"] == 0.91);
  CHECK(j["evaluations"][0]["set"] == "validation");
  CHECK_FALSE(j.contains("end"));
  // Two reports, two points (one per report while the curve is short).
  REQUIRE(j["curve"].size() == 2);
  CHECK(j["curve"][1]["updates"] == 100);
  CHECK(j["curve"][1]["samples"] == 30000);
}

TEST_CASE("run_status: the curve keeps at most max_points, evenly spread") {
  run_status s{4};
  s.begin(three_workers());
  for (int i = 1; i <= 8; ++i) {
    auto r = report(0, 16, 1);
    r.batches = 1;
    r.loss_sum = i;
    r.correct = i % 2 == 0 ? 16 : 0;
    s.report(r, i);
  }
  // Reports 1-4 make points at 1..4 s; the fourth fills the curve: kept 2
  // and 4, one point per 2 reports from then on (6; then 8 fills it again:
  // kept 4 and 8, one point per 4 reports).
  auto c = s.curve();
  REQUIRE(c.size() == 2);
  CHECK(c[0].seconds == 4);
  CHECK(c[1].seconds == 8);
  // The point at 8 s averages reports 7 and 8: loss (7 + 8) / 2, accuracy
  // (0 + 16) / 32.
  CHECK(c[1].loss == doctest::Approx(7.5));
  CHECK(c[1].accuracy == doctest::Approx(0.5));
  CHECK(c[1].updates == 8);
  CHECK(c[1].samples == 128);
  // Report 9 alone makes no point (one per 4 now), the end adds it.
  auto r = report(0, 16, 1);
  r.batches = 1;
  r.loss_sum = 9;
  s.report(r, 9);
  CHECK(s.curve().size() == 2);
  s.end({"done", "", 9.5, 0.97, 0.1, 7.0, true});
  c = s.curve();
  REQUIRE(c.size() == 3);
  CHECK(c[2].seconds == 9);
  CHECK(c[2].loss == doctest::Approx(9));
}

TEST_CASE("run_status: a restarted worker's row sums its incarnations") {
  run_status s;
  s.begin(three_workers());
  s.worker_placed(0, "n1", 0);
  s.report(report(0, 800, 10), 4);
  s.worker_placed(0, "n3", 5);
  auto r = report(0, 400, 5);
  r.node = "n3";
  s.report(r, 10);
  auto w = s.workers();
  REQUIRE(w.size() == 1);
  CHECK(w[0].restarts == 1);
  CHECK(w[0].totals.samples == 1200);
  CHECK(w[0].totals.commits == 15);
  CHECK(w[0].node == "n3");
  CHECK(w[0].placed_at == 0);
}

TEST_CASE("run_status: the end: state, final figures, ETA 0") {
  run_status s;
  s.begin(three_workers());
  s.report(report(0, 60000, 3750), 50);
  s.end({"done", "", 51, 0.9874, 0.04, 33.5, true});
  const json j = json::parse(s.to_json(80));
  CHECK(j["state"] == "done");
  CHECK(j["seconds"] == 51); // the end's time, not the clock's
  CHECK(j["progress"]["eta_seconds"] == 0);
  CHECK(j["end"]["test_accuracy"] == 0.9874);
  CHECK(j["end"]["time_to_target"] == 33.5);
  CHECK(j["end"]["stopped_early"] == true);
  run_status failed;
  failed.end({"failed", "node n1 lost: no node left", 3, {}, {}, {}, false});
  const json f = json::parse(failed.to_json(3));
  CHECK(f["state"] == "failed");
  CHECK(f["end"]["error"] == "node n1 lost: no node left");
  CHECK(f["end"]["test_accuracy"].is_null());
  CHECK(f["end"]["time_to_target"].is_null());
}

TEST_CASE("run_status: markup in names and messages survives as text") {
  const std::string evil = "<img src=x onerror=\"alert(1)\">\n</script>";
  run_status s;
  s.nodes({{evil, "127.0.0.1:1"}});
  s.fault({1, "node", evil, "restarted \"it\""});
  const std::string text = s.to_json(1);
  // Raw JSON may carry '<' inside strings; the page embeds it escaped and
  // sets it as text (tests/integration/status_page_test.sh).
  const json j = json::parse(text);
  CHECK(j["nodes"][0]["name"] == evil);
  CHECK(j["faults"][0]["what"] == evil);
  CHECK(j["faults"][0]["action"] == "restarted \"it\"");
}
