// A worker's walk through its leased chunks under dynamic partitioning.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/cluster/chunk_source.hpp"

using namespace actors;

namespace {

// Steps until something other than train comes up; returns the batches
// trained as "epoch:batch" and that step.
chunk_step train_through(chunk_source& src, std::vector<std::string>& trained) {
  for (;;) {
    auto s = src.next();
    if (s.kind != chunk_step::train)
      return s;
    trained.push_back(std::to_string(s.epoch) + ":" + std::to_string(s.batch));
  }
}

} // namespace

TEST_CASE("a worker trains a chunk's batches, commits it, and goes on with its grants") {
  // 100 rows, batch 10, window 4: 10 batches, 3 chunks per epoch (4, 4, 2).
  chunk_source src{make_chunk_plan(100, 10, 4, 2, 1)};
  src.grant({2});
  std::vector<std::string> trained;
  auto s = train_through(src, trained);
  CHECK(trained == std::vector<std::string>{"0:8", "0:9"});
  CHECK(s.kind == chunk_step::commit);
  CHECK(s.chunk == 2);
  CHECK(src.next().kind == chunk_step::wait); // nothing held, commit in flight
  src.replied({3});
  CHECK(src.completed() == 1);
  trained.clear();
  s = train_through(src, trained);
  CHECK(trained == std::vector<std::string>{"1:0", "1:1", "1:2", "1:3"});
  CHECK(s.chunk == 3);
  src.replied({});
  CHECK(src.next().kind == chunk_step::finished);
  CHECK(src.completed() == 2);
}

TEST_CASE("with two chunks held the next one trains while a commit is in flight") {
  chunk_source src{make_chunk_plan(100, 10, 4, 1, 1)};
  src.grant({0, 1});
  std::vector<std::string> trained;
  CHECK(train_through(src, trained).kind == chunk_step::commit);
  // Chunk 1 trains meanwhile; its commit must wait for chunk 0's reply.
  trained.clear();
  CHECK(train_through(src, trained).kind == chunk_step::wait);
  CHECK(trained.size() == 4);
  src.replied({2});
  auto s = src.next();
  CHECK(s.kind == chunk_step::commit);
  CHECK(s.chunk == 1);
}

TEST_CASE("a worker granted nothing at all is finished at once") {
  chunk_source src{make_chunk_plan(100, 10, 4, 1, 1)};
  src.grant({});
  CHECK(src.next().kind == chunk_step::finished);
  CHECK(src.completed() == 0);
}
