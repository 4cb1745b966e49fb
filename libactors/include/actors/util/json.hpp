// json_writer: builds a JSON document by appending members in order.
//
// Enough JSON for reports and logs: objects, arrays, strings, numbers and
// booleans, correctly escaped, with non-finite numbers written as null (JSON
// has no NaN). Not a parser. Single-threaded.
#pragma once

#include <cstdint>
#include <string>

namespace actors {

/// Streaming JSON builder; call begin/end in matching pairs.
class json_writer {
public:
  json_writer& begin_object(const std::string& key = {});
  json_writer& end_object();
  json_writer& begin_array(const std::string& key = {});
  json_writer& end_array();
  json_writer& value(const std::string& key, const std::string& v);
  json_writer& value(const std::string& key, const char* v);
  json_writer& value(const std::string& key, double v);
  /// A float in its own shortest form (0.01f as 0.01, not 0.0099999998).
  json_writer& value(const std::string& key, float v);
  json_writer& value(const std::string& key, std::uint64_t v);
  json_writer& value(const std::string& key, bool v);
  /// Array element (key empty) variants go through the same calls.

  /// The array `key` with one object per element of `items`: opens the
  /// object, calls `write(*this, item)` for its members, closes it. The one
  /// place the reports' and the status page's row arrays are opened and closed.
  template <class Items, class Write>
  json_writer& object_array(const std::string& key, const Items& items,
                            Write&& write) {
    begin_array(key);
    for (const auto& item : items) {
      begin_object();
      write(*this, item);
      end_object();
    }
    return end_array();
  }

  const std::string& str() const { return out_; }

private:
  void prefix(const std::string& key);
  // begin_object/begin_array and their ends: only the bracket differs.
  json_writer& open(const std::string& key, char bracket);
  json_writer& close(char bracket);
  std::string out_;
  bool first_ = true;
  int depth_ = 0;
};

/// `s` quoted and escaped as a JSON string.
std::string json_quote(const std::string& s);

} // namespace actors
