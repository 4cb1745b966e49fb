// The registry of wire codecs. Adding a codec: its file (src/wire/<id>.cpp,
// defining `const codec& <id>_codec()`) and one line in the list below.
#include <array>

#include "actors/wire/codec.hpp"

namespace actors::wire {

#define ACTORS_WIRE_CODECS(X) \
  X(fp32)                     \
  X(fp16)                     \
  X(int8)

#define ACTORS_WIRE_DECLARE(id) const codec& id##_codec();
ACTORS_WIRE_CODECS(ACTORS_WIRE_DECLARE)
#undef ACTORS_WIRE_DECLARE

namespace {

const auto& table() {
#define ACTORS_WIRE_ENTRY(id) &id##_codec(),
  static const std::array codecs{ACTORS_WIRE_CODECS(ACTORS_WIRE_ENTRY)};
#undef ACTORS_WIRE_ENTRY
  return codecs;
}

} // namespace

const codec* find_codec(std::string_view name) {
  for (const codec* c : table())
    if (c->name() == name)
      return c;
  return nullptr;
}

const codec* codec_of_format(std::uint8_t format) {
  for (const codec* c : table())
    if (c->format() == format)
      return c;
  return nullptr;
}

const codec& exact_codec() {
  return fp32_codec();
}

std::vector<std::string> codec_names() {
  std::vector<std::string> out;
  for (const codec* c : table())
    out.emplace_back(c->name());
  return out;
}

const codec& codec_for_link(const codec& c, bool same_node) {
  return same_node ? exact_codec() : c;
}

} // namespace actors::wire
