// topk: the k = ceil(R n) values of largest magnitude with their indices,
// every other value read as 0: top-k sparsification with memory (Stich,
// Cordonnier, Jaggi 2018, "Sparsified SGD with Memory", NeurIPS; Lin, Han,
// Mao, Wang, Dally 2018, "Deep Gradient Compression", ICLR, which sends
// 0.1 %). The memory is error feedback: commits keep what was not sent and
// add it to the next one (error_feedback_commits); centres go as deltas
// against the server's view of each worker's copy (delta_centres), so what
// a delta left out stays in the next centre - view.
//
// R is the codec's parameter: "topk:R", 0 < R <= 1 ("topk" is R = 0.01);
// k = ceil(R n), at least 1. Rounding keeps the k values of largest |x|
// exactly (ties: the lower index first; a NaN counts as the largest, so the
// receiver's finiteness check refuses it) and sets every other value, and a
// kept -0, to +0. Idempotent: a rounded vector has at most k non-zero
// values, all of which it keeps.
//
// Bytes, little-endian, for the c <= k kept values that are non-zero, at
// indices i_1 < ... < i_c (a float_buffer writes their count, a u32, first):
//   [0, 4)          c, u32
//   [4, 4 + 4c)     x_{i_1} .. x_{i_c}, float32
//   then            c varints (util/coding): i_1, then i_j - i_{j-1} - 1
// A gap below 128 takes 1 byte, below 16,384 2, below 2^21 3. For mnist_cnn
// (n = 1,048,853) with the kept values spread evenly: R = 1 %, k = 10,489,
// gaps of ~100 (geometric: 28 % reach 128): ~5.3 bytes per kept value, ~0.053
// bytes per value; R = 0.1 %, k = 1,049, gaps of ~1,000 (88 % take 2 bytes):
// ~5.9 bytes per kept value, ~0.0059 bytes per value (fp32: 4). Values that
// cluster take fewer. A count above n, an index at or past n, a cut varint
// or bytes left over are refused.
#include <algorithm>
#include <charconv>
#include <functional>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "actors/util/coding.hpp"
#include "actors/wire/codec.hpp"

namespace actors::wire {

namespace {

constexpr double default_ratio = 0.01;

// The order of |x| with NaN above everything.
float magnitude(float x) {
  return std::isnan(x) ? std::numeric_limits<float>::infinity() : std::fabs(x);
}

// A magnitude below which, judging by an even sample of 4096 values, lie
// all but about 2k of the n; 0 when the sample cannot tell (k near n, or
// most values zero).
float threshold_estimate(const float* v, std::size_t n, std::size_t k,
                         std::vector<float>& sample) {
  const std::size_t m = std::min<std::size_t>(n, 4096), stride = n / m;
  const std::size_t rank = (2 * k * m + n - 1) / n; // ~2k of n, in the sample
  if (rank >= m)
    return 0;
  sample.resize(m);
  for (std::size_t j = 0; j < m; ++j)
    sample[j] = magnitude(v[j * stride]);
  const auto at = sample.begin() + static_cast<std::ptrdiff_t>(rank);
  std::nth_element(sample.begin(), at, sample.end(), std::greater<float>());
  return *at;
}

// Keeps, of the ascending indices `idx`, the k of largest magnitude (ties:
// lower index first), still ascending: the k-th largest magnitude t by
// nth_element over a copy of the magnitudes, then every value above t and
// the first ones at t up to k.
void select_largest(const float* v, std::vector<std::uint32_t>& idx,
                    std::size_t k, std::vector<float>& mags) {
  mags.resize(idx.size());
  for (std::size_t j = 0; j < idx.size(); ++j)
    mags[j] = magnitude(v[idx[j]]);
  const auto kth = mags.begin() + static_cast<std::ptrdiff_t>(k - 1);
  std::nth_element(mags.begin(), kth, mags.end(), std::greater<float>());
  const float t = *kth;
  std::size_t ties = k;
  for (std::uint32_t i : idx)
    ties -= magnitude(v[i]) > t;
  std::size_t out = 0;
  for (std::uint32_t i : idx) {
    const float m = magnitude(v[i]);
    if (m > t || (m == t && ties > 0 && ties-- > 0))
      idx[out++] = i;
  }
  idx.resize(out);
}

// The indices, ascending, of the non-zero values among the k of largest
// magnitude. Exact whatever the estimate: when at least k values reach it,
// the k-th largest does too, and with it every value tied with it, so the
// selection among those candidates (~2k, not n) is the selection among all.
// Per-thread scratch: the middleman's thread serializes every message.
const std::vector<std::uint32_t>& kept(const float* v, std::size_t n,
                                       std::size_t k) {
  thread_local std::vector<std::uint32_t> idx;
  thread_local std::vector<float> scratch;
  idx.clear();
  const float estimate = threshold_estimate(v, n, k, scratch);
  if (estimate > 0) {
    for (std::size_t i = 0; i < n; ++i)
      if (magnitude(v[i]) >= estimate)
        idx.push_back(static_cast<std::uint32_t>(i));
  }
  if (idx.size() < k) {
    idx.clear();
    for (std::size_t i = 0; i < n; ++i)
      if (v[i] != 0 || std::isnan(v[i]))
        idx.push_back(static_cast<std::uint32_t>(i));
  }
  if (idx.size() > k)
    select_largest(v, idx, k, scratch);
  return idx;
}

// The bytes of the values at the ascending indices `idx`.
std::size_t bytes_of(const std::vector<std::uint32_t>& idx) {
  std::size_t out = 4 + 4 * idx.size();
  for (std::size_t j = 0; j < idx.size(); ++j)
    out += varint32_length(j == 0 ? idx[0] : idx[j] - idx[j - 1] - 1);
  return out;
}

// Writes the values at the ascending indices `idx` as bytes_of(idx) bytes.
void write_kept(const float* values, const std::vector<std::uint32_t>& idx,
                char* out) {
  const std::size_t c = idx.size();
  encode_u32(out, static_cast<std::uint32_t>(c));
  for (std::size_t j = 0; j < c; ++j)
    encode_f32(out + 4 + 4 * j, values[idx[j]]);
  char* p = out + 4 + 4 * c;
  for (std::size_t j = 0; j < c; ++j)
    p = encode_varint32(p, j == 0 ? idx[0] : idx[j] - idx[j - 1] - 1);
}

// Reads the `size` bytes at `in` as a coding of n values, calling
// each(i, v) for each kept value, i its index (ascending), v its 4 bytes;
// false when they are not one (a count above n, a cut varint, an index at
// or past n, bytes left over), possibly after some calls.
template <class Each>
bool parse_kept(const char* in, std::size_t size, std::size_t n, Each each) {
  std::string_view rest{in, size};
  std::uint32_t c = 0;
  if (!get_u32(rest, c) || c > n || c > rest.size() / 4)
    return false;
  const char* kept_values = rest.data();
  rest.remove_prefix(4 * std::size_t{c});
  std::uint64_t at = 0;
  for (std::uint32_t j = 0; j < c; ++j) {
    std::uint32_t gap = 0;
    if (!get_varint32(rest, gap))
      return false;
    at = j == 0 ? gap : at + 1 + gap;
    if (at >= n)
      return false;
    each(static_cast<std::size_t>(at), kept_values + 4 * std::size_t{j});
  }
  return rest.empty();
}

class topk final : public feedback_codec {
public:
  topk(std::string name, double ratio) : name_(std::move(name)), ratio_(ratio) {}

  std::string_view name() const override { return name_; }
  std::uint8_t format() const override { return 4; }

  std::optional<std::size_t> fixed_bytes(std::size_t) const override {
    return std::nullopt;
  }

  /// Values kept of n: ceil(R n), at least 1 (the 1e-9 keeps an R n that
  /// is an integer but for the rounding of R from being rounded up).
  std::size_t keep(std::size_t n) const {
    const auto k = static_cast<std::size_t>(
      std::ceil(ratio_ * static_cast<double>(n) - 1e-9));
    return std::min(n, std::max<std::size_t>(1, k));
  }

  std::size_t bytes(const float* values, std::size_t n) const override {
    return bytes_of(kept(values, n, keep(n)));
  }

  void write(const float* values, std::size_t n, char* out) const override {
    write_kept(values, kept(values, n, keep(n)), out);
  }

  // One selection for both the size and the bytes.
  void write_to(const float* values, std::size_t n,
                std::vector<char>& out) const override {
    const auto& idx = kept(values, n, keep(n));
    out.resize(bytes_of(idx));
    write_kept(values, idx, out.data());
  }

  bool read(const char* in, std::size_t size, std::size_t n,
            float* values) const override {
    std::fill(values, values + n, 0.0f);
    return parse_kept(in, size, n, [values](std::size_t at, const char* v) {
      values[at] = decode_f32(v);
    });
  }

  // The other values read as 0: finite iff every kept value is, the bytes
  // parsed as read() parses them, the n values never written.
  bool finite(const char* in, std::size_t size, std::size_t n) const override {
    bool all = true;
    const bool ok = parse_kept(in, size, n, [&all](std::size_t, const char* v) {
      all = all && std::isfinite(decode_f32(v));
    });
    return ok && all;
  }

  void round(float* values, std::size_t n) const override {
    const auto& idx = kept(values, n, keep(n));
    thread_local std::vector<float> keep_values;
    keep_values.resize(idx.size());
    for (std::size_t j = 0; j < idx.size(); ++j)
      keep_values[j] = values[idx[j]];
    std::fill(values, values + n, 0.0f);
    for (std::size_t j = 0; j < idx.size(); ++j)
      values[idx[j]] = keep_values[j];
  }

  std::string syntax() const override {
    return "topk[:R] (R the fraction kept, 0 < R <= 1; topk = topk:0.01)";
  }

  const codec* with_parameter(std::string_view text) const override;

private:
  std::string name_;
  double ratio_;
};

const codec* topk::with_parameter(std::string_view text) const {
  double r = 0;
  const char* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, r);
  if (text.empty() || parsed.ec != std::errc{} || parsed.ptr != end
      || !(r > 0 && r <= 1))
    return nullptr;
  // One instance per spelling, made on first use, never freed: codecs are
  // referenced for the program's life.
  static std::mutex mutex;
  static std::map<std::string, topk, std::less<>> made;
  const std::lock_guard<std::mutex> lock{mutex};
  auto it = made.find(text);
  if (it == made.end()) {
    std::string name = "topk:" + std::string{text};
    it = made.try_emplace(std::string{text}, name, r).first;
  }
  return &it->second;
}

} // namespace

const codec& topk_codec() {
  static const topk instance{"topk", default_ratio};
  return instance;
}

} // namespace actors::wire
