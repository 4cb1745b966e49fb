#include "actors/wire/codec.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>

#include "actors/util/finite.hpp"

namespace actors::wire {

namespace {

// Per-thread scratch of n floats (an actor's encoder runs on one thread at
// a time; its thread's scratch stays warm from message to message).
float* scratch_floats(std::size_t n) {
  thread_local std::vector<float> buf;
  buf.resize(n);
  return buf.data();
}

// Writes the n values at `x` once into `slot`'s buffer in codec `c`, and
// sets `rounded` (which may be `x`) to what the receiver reads back:
// c.round(x) bit for bit, as a codec's round trip is its rounding, by a
// decode instead of a second coding.
void code_once(const codec& c, const float* x, std::size_t n,
               std::shared_ptr<coded_values>& slot, float* rounded) {
  coded_values& out = reusable(slot);
  out.format = c.format();
  out.count = n;
  c.write_to(x, n, out.bytes);
  if (!c.read(out.bytes.data(), out.bytes.size(), n, rounded)) {
    // A codec reads back every coding it writes (a non-finite block as
    // NaNs); should one not, round as encode() does.
    assert(false);
    std::copy(x, x + n, rounded);
    c.round(rounded, n);
  }
}

// Values per run of a blockwise coding (codec::block_values): a run's
// values, its bytes and their read-back fit in the core's L1/L2 cache.
constexpr std::size_t run_values = 4096;

// The bytes of a blockwise coding of n values in `slot`'s buffer (sized,
// format and count set), to be written run by run.
coded_values& runs_buffer(const codec& c, std::size_t n,
                          std::shared_ptr<coded_values>& slot) {
  coded_values& out = reusable(slot);
  out.format = c.format();
  out.count = n;
  out.bytes.resize(*c.fixed_bytes(n));
  return out;
}

// The runs of a blockwise coding of n values: calls each(first, count)
// for runs of whole blocks, in order.
template <class Each>
void for_each_run(const codec& c, std::size_t n, Each each) {
  const std::size_t b = c.block_values();
  const std::size_t run = b * std::max<std::size_t>(1, run_values / b);
  for (std::size_t first = 0; first < n; first += run)
    each(first, std::min(run, n - first));
}

// Payloads as they are, stamped with the codec; the wire rounds them.
class whole_commits final : public commit_encoder {
public:
  explicit whole_commits(const codec& c) : format_(c.format()) {}

  std::uint8_t encode(std::vector<float>&) override { return format_; }

private:
  std::uint8_t format_;
};

// Whole centres, stamped with the codec; the wire rounds them.
class whole_centres final : public centre_encoder {
public:
  explicit whole_centres(const codec& c) : format_(c.format()) {}

  stamp encode(const std::vector<float>& centre, bool,
               std::vector<float>& out) override {
    out = centre;
    return {format_, false};
  }

  void reset() override {}

private:
  std::uint8_t format_;
};

class feedback_commits final : public commit_encoder {
public:
  explicit feedback_commits(const codec& c) : codec_(c) {}

  std::uint8_t encode(std::vector<float>& payload) override {
    const std::size_t n = payload.size();
    residual_.resize(n, 0.0f);
    for (std::size_t i = 0; i < n; ++i)
      payload[i] += residual_[i];
    rounded_ = payload;
    codec_.round(rounded_.data(), n);
    for (std::size_t i = 0; i < n; ++i)
      residual_[i] = payload[i] - rounded_[i];
    payload.swap(rounded_);
    return codec_.format();
  }

  // x = payload + residual written once; residual = x - read(bytes of x),
  // which is encode()'s x - round(x) float for float.
  std::shared_ptr<const coded_values> encode_coded(const float* payload,
                                                   std::size_t n) override {
    residual_.resize(n, 0.0f);
    if (codec_.block_values() > 0)
      return encode_runs(payload, n);
    float* x = residual_.data();
    for (std::size_t i = 0; i < n; ++i)
      x[i] += payload[i];
    float* rounded = scratch_floats(n);
    code_once(codec_, x, n, slot_, rounded);
    for (std::size_t i = 0; i < n; ++i)
      x[i] -= rounded[i];
    return slot_;
  }

  const std::vector<float>* residual() const override { return &residual_; }

private:
  // encode_coded's steps a run at a time (a blockwise codec): each run of
  // the payload and residual read once, the same floats and bytes.
  std::shared_ptr<const coded_values> encode_runs(const float* payload,
                                                  std::size_t n) {
    coded_values& out = runs_buffer(codec_, n, slot_);
    float* rounded = scratch_floats(run_values + codec_.block_values());
    for_each_run(codec_, n, [&](std::size_t first, std::size_t count) {
      float* x = residual_.data() + first;
      for (std::size_t i = 0; i < count; ++i)
        x[i] += payload[first + i];
      codec_.write_run(x, first, count, n, out.bytes.data());
      codec_.read_run(out.bytes.data(), n, first, count, rounded);
      for (std::size_t i = 0; i < count; ++i)
        x[i] -= rounded[i];
    });
    return slot_;
  }

  const codec& codec_;
  // The rounding error carried to the next commit; scratch for the rounded
  // payload.
  std::vector<float> residual_, rounded_;
  // The bytes of the last commit, reused once its message is gone.
  std::shared_ptr<coded_values> slot_;
};

class view_centres final : public centre_encoder {
public:
  explicit view_centres(const codec& c) : codec_(c) {}

  stamp encode(const std::vector<float>& centre, bool want_delta,
               std::vector<float>& out) override {
    const stamp whole{exact_codec().format(), false};
    if (!want_delta) {
      out = centre;
      return whole;
    }
    if (view_.size() != centre.size()) {
      view_ = centre;
      out = centre;
      return whole;
    }
    const std::size_t n = centre.size();
    out.resize(n);
    for (std::size_t i = 0; i < n; ++i)
      out[i] = centre[i] - view_[i];
    codec_.round(out.data(), n);
    for (std::size_t i = 0; i < n; ++i)
      view_[i] += out[i];
    return {codec_.format(), true};
  }

  // As encode(), the delta written once and read back into the view.
  stamp encode_coded(const std::vector<float>& centre, bool want_delta,
                     std::vector<float>& out,
                     std::shared_ptr<const coded_values>& coded) override {
    if (!want_delta || view_.size() != centre.size()) {
      coded = nullptr;
      return encode(centre, want_delta, out);
    }
    const std::size_t n = centre.size();
    if (codec_.block_values() > 0) {
      encode_runs(centre.data(), n);
    } else {
      float* delta = scratch_floats(n);
      for (std::size_t i = 0; i < n; ++i)
        delta[i] = centre[i] - view_[i];
      code_once(codec_, delta, n, slot_, delta);
      for (std::size_t i = 0; i < n; ++i)
        view_[i] += delta[i];
    }
    coded = slot_;
    return {codec_.format(), true};
  }

  void reset() override { view_.clear(); }

  const std::vector<float>* view() const override { return &view_; }

private:
  // encode_coded's delta a run at a time (a blockwise codec): the centre
  // and the view read once, the same floats and bytes.
  void encode_runs(const float* centre, std::size_t n) {
    coded_values& out = runs_buffer(codec_, n, slot_);
    float* delta = scratch_floats(run_values + codec_.block_values());
    for_each_run(codec_, n, [&](std::size_t first, std::size_t count) {
      float* view = view_.data() + first;
      for (std::size_t i = 0; i < count; ++i)
        delta[i] = centre[first + i] - view[i];
      codec_.write_run(delta, first, count, n, out.bytes.data());
      codec_.read_run(out.bytes.data(), n, first, count, delta);
      for (std::size_t i = 0; i < count; ++i)
        view[i] += delta[i];
    });
  }

  const codec& codec_;
  // The worker's copy of the centre; empty until its first whole centre.
  std::vector<float> view_;
  // The bytes of the last delta, reused once its message is gone.
  std::shared_ptr<coded_values> slot_;
};

} // namespace

bool centre_decoder::decode(std::vector<float>& values, bool delta) {
  if (!delta) {
    centre_.swap(values);
    return true;
  }
  if (values.size() != centre_.size())
    return false;
  for (std::size_t i = 0; i < values.size(); ++i)
    centre_[i] += values[i];
  return true;
}

bool read_runs(const coded_values& bytes,
               const std::function<bool(std::size_t, std::size_t, const float*)>& each) {
  const codec* c = codec_of_format(bytes.format);
  if (c == nullptr || c->block_values() == 0
      || bytes.bytes.size() != c->fixed_bytes(bytes.count))
    return false;
  const std::size_t n = bytes.count;
  float* run = scratch_floats(run_values + c->block_values());
  bool ok = true;
  for_each_run(*c, n, [&](std::size_t first, std::size_t count) {
    if (!ok)
      return;
    c->read_run(bytes.bytes.data(), n, first, count, run);
    ok = each(first, count, run);
  });
  return ok;
}

bool all_finite(const coded_values& bytes) {
  const codec* c = codec_of_format(bytes.format);
  return c != nullptr && c->finite(bytes.bytes.data(), bytes.bytes.size(), bytes.count);
}

bool centre_decoder::decode_coded(const coded_values& bytes, bool delta) {
  const codec* c = codec_of_format(bytes.format);
  if (c == nullptr)
    return false;
  const std::size_t n = bytes.count;
  if (!delta || c->block_values() == 0) {
    std::vector<float> values(n);
    return c->read(bytes.bytes.data(), bytes.bytes.size(), n, values.data())
           && decode(values, delta);
  }
  if (n != centre_.size() || bytes.bytes.size() != c->fixed_bytes(n))
    return false;
  float* run = scratch_floats(run_values + c->block_values());
  for_each_run(*c, n, [&](std::size_t first, std::size_t count) {
    c->read_run(bytes.bytes.data(), n, first, count, run);
    float* into = centre_.data() + first;
    for (std::size_t i = 0; i < count; ++i)
      into[i] += run[i];
  });
  return true;
}

coded_values& reusable(std::shared_ptr<coded_values>& slot) {
  if (slot && slot.use_count() == 1) {
    // The last other owner released it (an acq_rel decrement): see its
    // reads of the bytes as done before this writes them again.
    std::atomic_thread_fence(std::memory_order_acquire);
    return *slot;
  }
  slot = std::make_shared<coded_values>();
  return *slot;
}

std::shared_ptr<const coded_values> commit_encoder::encode_coded(const float*,
                                                                 std::size_t) {
  return nullptr;
}

stamp centre_encoder::encode_coded(const std::vector<float>& centre,
                                   bool want_delta, std::vector<float>& out,
                                   std::shared_ptr<const coded_values>& coded) {
  coded = nullptr;
  return encode(centre, want_delta, out);
}

void codec::write_to(const float* values, std::size_t n,
                     std::vector<char>& out) const {
  out.resize(bytes(values, n));
  write(values, n, out.data());
}

void codec::write_run(const float*, std::size_t, std::size_t, std::size_t,
                      char*) const {}

void codec::read_run(const char*, std::size_t, std::size_t, std::size_t,
                     float*) const {}

bool codec::finite(const char* in, std::size_t size, std::size_t n) const {
  // Not scratch_floats: a read_runs callback may call this, and the run it
  // holds lives there.
  std::vector<float> values(n);
  return read(in, size, n, values.data()) && actors::all_finite(values.data(), n);
}

std::size_t codec::bytes(const float*, std::size_t n) const {
  return fixed_bytes(n).value_or(0);
}

std::string codec::syntax() const {
  return std::string{name()};
}

const codec* codec::with_parameter(std::string_view) const {
  return nullptr;
}

std::unique_ptr<commit_encoder> codec::make_commit_encoder() const {
  return std::make_unique<whole_commits>(*this);
}

std::unique_ptr<centre_encoder> codec::make_centre_encoder() const {
  return std::make_unique<whole_centres>(*this);
}

centre_decoder codec::make_centre_decoder() const {
  return centre_decoder{false};
}

std::unique_ptr<commit_encoder> feedback_codec::make_commit_encoder() const {
  return error_feedback_commits(*this);
}

std::unique_ptr<centre_encoder> feedback_codec::make_centre_encoder() const {
  return delta_centres(*this);
}

centre_decoder feedback_codec::make_centre_decoder() const {
  return centre_decoder{true};
}

std::unique_ptr<commit_encoder> error_feedback_commits(const codec& c) {
  return std::make_unique<feedback_commits>(c);
}

std::unique_ptr<centre_encoder> delta_centres(const codec& c) {
  return std::make_unique<view_centres>(c);
}

} // namespace actors::wire
