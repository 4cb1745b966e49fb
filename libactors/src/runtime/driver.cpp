// The driver's address helpers: node endpoints and discovery by name.
// run_job itself is in job_runner.cpp.
#include "actors/runtime/driver.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <set>
#include <thread>

namespace actors {

namespace {

using clock_type = std::chrono::steady_clock;

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

} // namespace

result<std::pair<std::string, std::uint16_t>>
parse_endpoint(const std::string& text, const std::string& what) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return status::invalid_argument(what + " '" + text + "': expected host:port");
  const std::string port_text = text.substr(colon + 1);
  char* end = nullptr;
  const long port = std::strtol(port_text.c_str(), &end, 10);
  if (*end != '\0' || port < 1 || port > 65535)
    return status::invalid_argument(what + " '" + text
                                    + "': port must be 1..65535");
  return std::make_pair(text.substr(0, colon), static_cast<std::uint16_t>(port));
}

result<std::vector<std::string>> discover_nodes(const std::vector<std::string>& names,
                                                std::size_t expect, double timeout) {
  const auto deadline = clock_type::now() + ms(timeout);
  std::set<std::string> found;
  for (;;) {
    found.clear();
    for (auto& name : names) {
      auto ep = parse_endpoint(name);
      if (!ep)
        return ep.error();
      addrinfo hints{};
      hints.ai_family = AF_INET;
      hints.ai_socktype = SOCK_STREAM;
      addrinfo* res = nullptr;
      if (getaddrinfo(ep->first.c_str(), nullptr, &hints, &res) == 0) {
        for (auto* ai = res; ai; ai = ai->ai_next) {
          char text[INET_ADDRSTRLEN] = {};
          auto* sin = reinterpret_cast<sockaddr_in*>(ai->ai_addr);
          inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
          found.insert(std::string{text} + ":" + std::to_string(ep->second));
        }
        freeaddrinfo(res);
      }
    }
    const bool enough = expect > 0 ? found.size() >= expect : !found.empty();
    if (enough)
      return std::vector<std::string>(found.begin(), found.end());
    if (clock_type::now() >= deadline) {
      std::string list;
      for (auto& n : names)
        list += (list.empty() ? "" : ",") + n;
      return status::not_found("--discover=" + list + " resolved to "
                               + std::to_string(found.size())
                               + " address(es) within "
                               + std::to_string(static_cast<int>(timeout))
                               + " s, expected "
                               + std::to_string(std::max<std::size_t>(expect, 1)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

} // namespace actors
