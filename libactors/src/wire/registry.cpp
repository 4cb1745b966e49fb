// The registry of wire codecs. Adding a codec: its file (src/wire/<id>.cpp,
// defining `const codec& <id>_codec()`) and one line in the list below. A
// codec with a parameter ("topk:0.001") is listed once, by its bare name,
// and makes its variants (codec::with_parameter).
#include <array>

#include "actors/wire/codec.hpp"

namespace actors::wire {

#define ACTORS_WIRE_CODECS(X) \
  X(fp32)                     \
  X(fp16)                     \
  X(int8)                     \
  X(sign)                     \
  X(topk)

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
  const auto colon = name.find(':');
  const std::string_view base = name.substr(0, colon);
  for (const codec* c : table())
    if (c->name() == base)
      return colon == std::string_view::npos
               ? c
               : c->with_parameter(name.substr(colon + 1));
  return nullptr;
}

std::string codec_syntax() {
  std::string out;
  for (const codec* c : table())
    out += (out.empty() ? "" : ", ") + c->syntax();
  return out;
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
