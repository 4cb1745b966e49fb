#include "actors/runtime/status_page.hpp"

#include <cstddef>

namespace actors {

// cmake/embed_file.cmake's output for status_page.html.
extern const char status_page_html_bytes[];
extern const std::size_t status_page_html_bytes_size;

namespace {

constexpr std::string_view marker = "/*STATUS_JSON*/";

} // namespace

std::string_view status_page_html() {
  return {status_page_html_bytes, status_page_html_bytes_size};
}

std::string status_page_with(const std::string& status_json) {
  std::string page{status_page_html()};
  std::string data;
  data.reserve(status_json.size() + 64);
  for (char c : status_json) {
    if (c == '<')
      data += "\\u003c";
    else
      data += c;
  }
  const auto at = page.find(marker);
  if (at != std::string::npos)
    page.replace(at, marker.size(), data);
  return page;
}

std::vector<status_route> status_page_routes(const metrics::run_status& s,
                                             std::function<double()> now) {
  return {
    {"/", "text/html; charset=utf-8",
     [] { return std::string{status_page_html()}; }},
    {"/status.json", "application/json",
     [&s, now] { return s.to_json(now()); }},
  };
}

} // namespace actors
