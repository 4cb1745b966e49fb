#include "actors/util/json.hpp"

#include <cmath>

#include <fmt/format.h>

namespace actors {

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20)
          out += fmt::format("\\u{:04x}", c);
        else
          out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

void json_writer::prefix(const std::string& key) {
  if (!first_)
    out_ += ",";
  if (depth_ > 0)
    out_ += "\n" + std::string(static_cast<std::size_t>(depth_) * 2, ' ');
  if (!key.empty())
    out_ += json_quote(key) + ": ";
  first_ = false;
}

json_writer& json_writer::open(const std::string& key, char bracket) {
  prefix(key);
  out_ += bracket;
  ++depth_;
  first_ = true;
  return *this;
}

json_writer& json_writer::close(char bracket) {
  --depth_;
  out_ += "\n" + std::string(static_cast<std::size_t>(depth_) * 2, ' ') + bracket;
  first_ = false;
  return *this;
}

json_writer& json_writer::begin_object(const std::string& key) {
  return open(key, '{');
}

json_writer& json_writer::end_object() {
  return close('}');
}

json_writer& json_writer::begin_array(const std::string& key) {
  return open(key, '[');
}

json_writer& json_writer::end_array() {
  return close(']');
}

json_writer& json_writer::value(const std::string& key, const std::string& v) {
  prefix(key);
  out_ += json_quote(v);
  return *this;
}

json_writer& json_writer::value(const std::string& key, const char* v) {
  return value(key, std::string{v});
}

json_writer& json_writer::value(const std::string& key, double v) {
  prefix(key);
  out_ += std::isfinite(v) ? fmt::format("{}", v) : "null";
  return *this;
}

json_writer& json_writer::value(const std::string& key, float v) {
  prefix(key);
  out_ += std::isfinite(v) ? fmt::format("{}", v) : "null";
  return *this;
}

json_writer& json_writer::value(const std::string& key, std::uint64_t v) {
  prefix(key);
  out_ += std::to_string(v);
  return *this;
}

json_writer& json_writer::value(const std::string& key, bool v) {
  prefix(key);
  out_ += v ? "true" : "false";
  return *this;
}

} // namespace actors
