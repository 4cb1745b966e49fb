// Exchange buffers: a float_buffer filled from a codec stream's encoder
// (runtime/exchange_buffers.hpp) crosses CAF's binary serializer as the
// very bytes the values it reads back as would, so a coded message changes
// no byte on the wire; the receiver gets values (a reply's centre in a
// blockwise coding, int8's deltas, its bytes, which the worker adds from);
// the bytes counted on the link are the bytes written.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "float_buffer_support.hpp"
#include "actors/runtime/exchange_buffers.hpp"
#include "actors/runtime/protocol.hpp"
#include "actors/util/float_pool.hpp"
#include "actors/util/rng.hpp"
#include "actors/wire/codec.hpp"

using namespace actors;
using actors::testing::round_trip;
using actors::testing::deserialized;
using actors::testing::serialized;

namespace {

std::vector<float> drifting(std::size_t n, rng& r) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = 1e-3f * (r.uniform() - 0.5f) + (i % 11 == 0 ? 3e-3f : 0.0f);
  return v;
}

} // namespace

TEST_CASE("exchange buffers: a coded commit serializes to the bytes of the "
          "values encode() gives, and reads back as those values") {
  const std::size_t n = 3000;
  for (const char* name : {"fp32", "fp16", "int8", "sign", "topk", "topk:0.001"}) {
    CAPTURE(name);
    const wire::codec& c = *wire::find_codec(name);
    auto coded_side = c.make_commit_encoder();
    auto plain_side = c.make_commit_encoder();
    rng r{23};
    for (int step = 0; step < 5; ++step) {
      auto payload = drifting(n, r);
      float_buffer plain;
      plain.values = payload;
      plain.format = plain_side->encode(plain.values);
      float_buffer coded;
      put_commit(*coded_side, payload, coded);
      const bool lossy = c.make_centre_decoder().wants_deltas();
      CHECK((coded.coded != nullptr) == lossy);
      CHECK(coded.size() == n);
      CHECK(coded.format == plain.format);
      const auto bytes = serialized(coded);
      CHECK(bytes == serialized(plain));
      const auto back = deserialized<float_buffer>(bytes);
      CHECK(back.coded.get() == nullptr);
      CHECK(back.format == plain.format);
      // The receiver reads what the wire's coding of encode()'s values gives,
      // and so does one a coded buffer reaches on its own node.
      CHECK(back.values == deserialized<float_buffer>(serialized(plain)).values);
      if (lossy) {
        float_buffer local = coded;
        local.ensure_values();
        CHECK(local.coded.get() == nullptr);
        CHECK(local.values == back.values);
      }
      // Counted on the link: the coding's bytes, on both sides.
      const std::size_t link = c.bytes(plain.values.data(), n);
      CHECK(link_bytes(coded, true) == link);
      CHECK(back.coded_bytes == link);
      CHECK(link_bytes(back, true) == link);
      CHECK(link_bytes(coded, false) == (lossy ? link : 4 * n));
    }
  }
}

TEST_CASE("exchange buffers: centres - the first whole in fp32, then coded "
          "deltas that bring the worker's copy to the server's view") {
  const std::size_t n = 2000;
  for (const char* name : {"fp32", "fp16", "int8", "sign", "topk"}) {
    CAPTURE(name);
    const wire::codec& c = *wire::find_codec(name);
    auto server = c.make_centre_encoder();
    auto worker = c.make_centre_decoder();
    rng r{4};
    auto centre = drifting(n, r);
    std::size_t coded = 0, mismatches = 0;
    for (int step = 0; step < 6; ++step) {
      const auto change = drifting(n, r);
      for (std::size_t i = 0; i < n; ++i)
        centre[i] += change[i];
      weights_msg out;
      out.version = 7;
      out.stop = step == 5;
      out.grants = {3, 4};
      out.delta = put_centre(*server, centre, worker.wants_deltas(), out.weights);
      const bool delta = out.delta;
      CHECK(out.weights.size() == n);
      coded += out.weights.coded != nullptr;
      CHECK((out.weights.coded != nullptr) == delta);
      auto back = round_trip(out);
      CHECK(back.version == 7);
      CHECK(back.delta == delta);
      CHECK(back.grants == chunk_grants{3, 4});
      CHECK(back.stop == (step == 5));
      // A blockwise coding (int8's deltas) arrives as its bytes, which the
      // worker adds straight from; anything else as values.
      const bool kept = delta && c.block_values() > 0;
      REQUIRE((back.weights.coded != nullptr) == kept);
      CHECK(link_bytes(back.weights, true) == link_bytes(out.weights, true));
      if (kept) {
        // The bytes read back as the values the wire's coding gives.
        float_buffer decoded = back.weights;
        decoded.ensure_values();
        CHECK(decoded.values == deserialized<float_buffer>(serialized(out.weights)).values);
        REQUIRE(worker.decode_coded(*back.weights.coded, delta));
      } else {
        REQUIRE(worker.decode(back.weights.values, delta));
      }
      if (const auto* view = server->view(); view != nullptr && !view->empty())
        mismatches += std::memcmp(view->data(), worker.centre().data(),
                                  n * sizeof(float))
                      != 0;
    }
    CHECK(mismatches == 0);
    CHECK(coded == (worker.wants_deltas() ? 5u : 0u));
  }
}

TEST_CASE("exchange buffers: a buffer assigned over gives its storage to the pool "
          "(a slot that holds the last reply costs no fresh vector per message)") {
  while (pooled_floats() > 0)
    take_floats(pooled_floats_min);
  const std::size_t n = pooled_floats_min + 3;
  float_buffer slot;
  slot.values.assign(n, 1.5f);
  const float* old_storage = slot.values.data();
  float_buffer next;
  next.values.assign(n, 2.5f);
  next.format = 2;
  const float* next_storage = next.values.data();
  slot = std::move(next);
  CHECK(slot.values.data() == next_storage);
  CHECK(slot.format == 2);
  CHECK(next.values.empty());
  REQUIRE(pooled_floats() == 1);
  // The deserializer's next take is the storage the slot held.
  auto again = take_floats(n);
  CHECK(again.data() == old_storage);
  // A copy that needs more room takes pooled storage and copies the values.
  give_floats(std::move(again));
  float_buffer small;
  small = slot;
  CHECK(small.values.data() == old_storage);
  CHECK(small.values == slot.values);
  CHECK(pooled_floats() == 0);
}
