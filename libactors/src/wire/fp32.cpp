// fp32: raw IEEE floats, exact. The codec of whole models (first centres,
// the final model, checkpoints) and of the link inside one node.
#include "actors/util/coding.hpp"
#include "actors/util/finite.hpp"
#include "actors/wire/codec.hpp"

namespace actors::wire {

namespace {

class fp32 final : public codec {
public:
  std::string_view name() const override { return "fp32"; }
  std::uint8_t format() const override { return 0; }
  std::optional<std::size_t> fixed_bytes(std::size_t n) const override {
    return 4 * n;
  }

  void write(const float* values, std::size_t n, char* out) const override {
    encode_floats(out, values, n);
  }

  bool read(const char* in, std::size_t size, std::size_t n,
            float* values) const override {
    if (size != *fixed_bytes(n))
      return false;
    decode_floats(in, n, values);
    return true;
  }

  void round(float*, std::size_t) const override {}

  bool finite(const char* in, std::size_t size, std::size_t n) const override {
    return size == *fixed_bytes(n) && all_finite_f32_bytes(in, n);
  }
};

} // namespace

const codec& fp32_codec() {
  static const fp32 instance;
  return instance;
}

} // namespace actors::wire
