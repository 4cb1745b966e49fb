// status_page: the live status page of train_mnist --status and the HTML
// report of --report-html, one page for both.
//
// The page (src/runtime/status_page.html, compiled in by
// cmake/embed_file.cmake) is self-contained HTML with inline CSS and
// script: nothing is fetched from anywhere else, so it works on a cluster
// without internet. Served live it polls /status.json (a
// metrics::run_status document) every poll_seconds; as a report it carries
// the final document inside its <script type="application/json"> element
// and renders that once. Either way the script sets every text from the
// document as textContent, never as HTML.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/metrics/run_status.hpp"
#include "actors/runtime/status_server.hpp"

namespace actors {

/// The page as compiled in (live mode: its data element holds no document).
std::string_view status_page_html();

/// The page with `status_json` embedded (report mode). Every '<' of the
/// document is written as \u003c (the same string to a JSON parser), so no
/// text in it can close the script element or open a tag.
std::string status_page_with(const std::string& status_json);

/// GET / (the page) and GET /status.json (`s` as of run second `now()`).
std::vector<status_route> status_page_routes(const metrics::run_status& s,
                                             std::function<double()> now);

} // namespace actors
