// data_loader: the handshake, shards sent by the driver, and shards cut from
// the node's own copy of a data set (an IDX pair written to a temporary
// node.data-dir), driven by CAF's test coordinator.
#include "actor_test_support.hpp"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "actors/data/dataset.hpp"
#include "actors/data/idx.hpp"
#include "actors/runtime/data_loader.hpp"
#include "actors/runtime/node_config.hpp"
#include "actors/runtime/protocol.hpp"

using namespace actors;
namespace fs = std::filesystem;

namespace {

/// An empty directory under the system's temporary directory, removed with
/// everything in it at the end of the test.
class temp_dir {
public:
  temp_dir() {
    std::string pattern =
      (fs::temp_directory_path() / "actors-loader-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

/// A node named "testnode" with 3 worker slots of 2 threads whose data
/// directory is `data_dir`.
struct loader_config : node_config {
  explicit loader_config(const fs::path& data_dir) {
    node_settings s;
    s.name = "testnode";
    s.workers = 3;
    s.threads = 2;
    s.data_dir = data_dir.string();
    apply(s);
  }
};

// temp_dir comes first so the directory exists before the actor system.
struct fixture : temp_dir, test_coordinator_fixture<loader_config> {
  fixture() : test_coordinator_fixture<loader_config>(path()) {
    loader = spawn_data_loader(sys);
  }

  template <class T, class... Ts>
  caf::expected<T> ask(Ts... xs) {
    return testing::ask<T>(*this, loader, std::move(xs)...);
  }

  loader_actor loader;
};

bool is_runtime_error(const caf::error& err, runtime_errc code) {
  return err.category() == caf::atom("actors")
         && err.code() == static_cast<std::uint8_t>(code);
}

/// `rows` 4x4 single-channel images with 3 classes; pixel bytes encode the
/// row and position, so any mix-up of rows shows.
dataset tiny_dataset(std::size_t rows) {
  dataset d;
  d.rows = rows;
  d.height = 4;
  d.width = 4;
  d.channels = 1;
  d.classes = 3;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t p = 0; p < d.features(); ++p)
      d.pixels.push_back(static_cast<std::uint8_t>(r * 16 + p));
    d.labels.push_back(static_cast<std::uint8_t>((r * 7) % 3));
  }
  return d;
}

shard_data shard_of(const dataset& d, std::uint32_t worker) {
  shard_data s;
  s.worker = worker;
  s.rows = d.rows;
  s.height = d.height;
  s.width = d.width;
  s.channels = d.channels;
  s.classes = d.classes;
  s.pixels = d.pixels;
  s.labels = d.labels;
  return s;
}

hello_msg good_hello() {
  hello_msg h;
  h.driver = "test-driver:1";
  h.job_id = 42;
  return h;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "data_loader: hello checks the protocol version "
                           "and byte order, then names the node") {
  auto wrong_version = good_hello();
  wrong_version.protocol = protocol_version + 1;
  auto res = ask<node_info>(hello_atom::value, wrong_version);
  REQUIRE_FALSE(res);
  CHECK(is_runtime_error(res.error(), runtime_errc::incompatible_peer));
  auto wrong_order = good_hello();
  wrong_order.byte_order = 0x04030201;
  res = ask<node_info>(hello_atom::value, wrong_order);
  REQUIRE_FALSE(res);
  CHECK(is_runtime_error(res.error(), runtime_errc::incompatible_peer));
  res = ask<node_info>(hello_atom::value, good_hello());
  REQUIRE(res);
  CHECK(res->name == "testnode");
  CHECK(res->protocol == protocol_version);
  CHECK(res->byte_order == byte_order_mark);
  CHECK(res->workers == 3);
  CHECK(res->threads == 2);
}

TEST_CASE_FIXTURE(fixture, "data_loader: a shard put by the driver is handed "
                           "to its worker; unknown workers get data_not_found") {
  const auto d = tiny_dataset(5);
  auto put = ask<std::uint64_t>(put_atom::value, shard_of(d, 1));
  REQUIRE(put);
  CHECK(*put == 5);
  auto missing = ask<shard_data>(shard_atom::value, std::uint32_t{0});
  REQUIRE_FALSE(missing);
  CHECK(is_runtime_error(missing.error(), runtime_errc::data_not_found));
  auto got = ask<shard_data>(shard_atom::value, std::uint32_t{1});
  REQUIRE(got);
  CHECK(got->worker == 1);
  CHECK(got->rows == 5);
  CHECK(got->height == 4);
  CHECK(got->width == 4);
  CHECK(got->channels == 1);
  CHECK(got->classes == 3);
  CHECK(got->pixels == d.pixels);
  CHECK(got->labels == d.labels);
  // A shard whose buffers do not match its shape is refused.
  auto bad = shard_of(d, 2);
  bad.pixels.pop_back();
  auto refused = ask<std::uint64_t>(put_atom::value, bad);
  REQUIRE_FALSE(refused);
  CHECK(is_runtime_error(refused.error(), runtime_errc::bad_message));
  bad = shard_of(d, 2);
  bad.rows = 6;
  refused = ask<std::uint64_t>(put_atom::value, bad);
  REQUIRE_FALSE(refused);
  CHECK(is_runtime_error(refused.error(), runtime_errc::bad_message));
  missing = ask<shard_data>(shard_atom::value, std::uint32_t{2});
  REQUIRE_FALSE(missing);
  CHECK(is_runtime_error(missing.error(), runtime_errc::data_not_found));
}

TEST_CASE_FIXTURE(fixture, "data_loader: load finds no data set in an empty "
                           "data directory") {
  shard_request req;
  req.dataset = "mnist";
  req.split = "train";
  req.rows = 10;
  req.workers = {0};
  req.indices = {{0, 1, 2}};
  auto res = ask<std::uint64_t>(load_atom::value, req);
  REQUIRE_FALSE(res);
  CHECK(is_runtime_error(res.error(), runtime_errc::data_not_found));
  CHECK(describe(sys, res.error()).find("testnode") != std::string::npos);
}

TEST_CASE_FIXTURE(fixture, "data_loader: load cuts shards from the node's "
                           "copy only when rows and label checksum match") {
  const auto d = tiny_dataset(10);
  fs::create_directories(path() / "mnist");
  REQUIRE(write_idx(d, (path() / "mnist" / "train-images-idx3-ubyte").string(),
                    (path() / "mnist" / "train-labels-idx1-ubyte").string()));
  shard_request req;
  req.dataset = "mnist";
  req.split = "train";
  req.rows = d.rows;
  req.labels_crc = labels_checksum(d.labels);
  req.workers = {0, 1};
  req.indices = {{0, 2, 4}, {9, 1}};

  SUBCASE("a wrong checksum is data_mismatch") {
    auto wrong = req;
    wrong.labels_crc ^= 1;
    auto res = ask<std::uint64_t>(load_atom::value, wrong);
    REQUIRE_FALSE(res);
    CHECK(is_runtime_error(res.error(), runtime_errc::data_mismatch));
    // Refused before anything was cut.
    CHECK_FALSE(ask<shard_data>(shard_atom::value, std::uint32_t{0}));
  }
  SUBCASE("a wrong row count is data_mismatch") {
    auto wrong = req;
    wrong.rows = d.rows + 1;
    auto res = ask<std::uint64_t>(load_atom::value, wrong);
    REQUIRE_FALSE(res);
    CHECK(is_runtime_error(res.error(), runtime_errc::data_mismatch));
    // Refused before anything was cut.
    CHECK_FALSE(ask<shard_data>(shard_atom::value, std::uint32_t{0}));
  }
  SUBCASE("a row index past the end is bad_message") {
    auto wrong = req;
    wrong.indices[1].push_back(10);
    auto res = ask<std::uint64_t>(load_atom::value, wrong);
    REQUIRE_FALSE(res);
    CHECK(is_runtime_error(res.error(), runtime_errc::bad_message));
  }
  SUBCASE("workers and indices of different lengths are bad_message") {
    auto wrong = req;
    wrong.workers.push_back(2);
    auto res = ask<std::uint64_t>(load_atom::value, wrong);
    REQUIRE_FALSE(res);
    CHECK(is_runtime_error(res.error(), runtime_errc::bad_message));
  }
  SUBCASE("matching data is cut into the requested rows per worker") {
    auto res = ask<std::uint64_t>(load_atom::value, req);
    REQUIRE(res);
    CHECK(*res == 5);
    for (std::size_t k = 0; k < req.workers.size(); ++k) {
      CAPTURE(k);
      auto s = ask<shard_data>(shard_atom::value, req.workers[k]);
      REQUIRE(s);
      const auto& rows = req.indices[k];
      CHECK(s->worker == req.workers[k]);
      CHECK(s->rows == rows.size());
      CHECK(s->height == 4);
      CHECK(s->width == 4);
      std::vector<std::uint8_t> pixels, labels;
      for (auto r : rows) {
        pixels.insert(pixels.end(), d.pixels.begin() + r * 16,
                      d.pixels.begin() + (r + 1) * 16);
        labels.push_back(d.labels[r]);
      }
      CHECK(s->pixels == pixels);
      CHECK(s->labels == labels);
    }
  }
}
