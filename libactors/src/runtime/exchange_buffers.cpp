#include "actors/runtime/exchange_buffers.hpp"

#include <algorithm>
#include <utility>

#include "actors/util/float_pool.hpp"

namespace actors {

void put_commit(wire::commit_encoder& commits, std::vector<float>& payload,
                float_buffer& out) {
  if (auto coded = commits.encode_coded(payload.data(), payload.size())) {
    out.values.clear();
    out.format = coded->format;
    out.coded = std::move(coded);
    return;
  }
  out.coded = nullptr;
  out.format = commits.encode(payload);
  out.values = std::move(payload);
}

void put_commit(wire::commit_encoder& commits, const float* payload, std::size_t n,
                float_buffer& out) {
  if (auto coded = commits.encode_coded(payload, n)) {
    out.values.clear();
    out.format = coded->format;
    out.coded = std::move(coded);
    return;
  }
  std::vector<float> values = take_floats(n);
  std::copy(payload, payload + n, values.begin());
  put_commit(commits, values, out);
}

bool put_centre(wire::centre_encoder& centres, const std::vector<float>& centre,
                bool want_delta, float_buffer& out) {
  std::shared_ptr<const wire::coded_values> coded;
  // A whole centre is copied into `out`: into pooled storage.
  if (out.values.capacity() < centre.size())
    out.values = take_floats(centre.size());
  const auto stamp = centres.encode_coded(centre, want_delta, out.values, coded);
  out.format = stamp.format;
  out.coded = std::move(coded);
  if (out.coded)
    out.values.clear();
  return stamp.delta;
}

std::size_t link_bytes(const float_buffer& b, bool remote) {
  if (b.coded)
    return b.coded->bytes.size();
  if (remote && b.coded_bytes > 0)
    return b.coded_bytes;
  const wire::codec* c = remote ? wire::codec_of_format(b.format) : nullptr;
  return (c != nullptr ? *c : wire::exact_codec())
    .bytes(b.values.data(), b.values.size());
}

} // namespace actors
