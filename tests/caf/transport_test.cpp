// transport: which addresses count as loopback (the insecure gate), and the
// checks of TLS settings that run before CAF sees them. The TLS handshakes
// themselves need sockets: tests/integration/tls_test.sh.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "actors/runtime/transport.hpp"

using namespace actors;

namespace {

// A fresh directory under /tmp, removed with its files at scope exit.
struct scratch {
  std::string path;
  scratch() {
    char tmpl[] = "/tmp/transport_test.XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~scratch() {
    for (auto* f : {"tls.crt", "tls.key", "ca.crt"})
      std::remove((path + "/" + f).c_str());
    ::rmdir(path.c_str());
  }
  void touch(const std::string& name) const {
    std::ofstream{path + "/" + name} << "x\n";
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("transport: loopback addresses pass the gate, others do not") {
  for (auto* host : {"127.0.0.1", "127.3.2.1", "::1", "localhost"})
    CHECK_MESSAGE(is_loopback(host), host);
  // Addresses only: a name that does not resolve would ask DNS.
  for (auto* host : {"", "0.0.0.0", "::", "10.0.0.2", "192.168.1.1", "::ffff:10.0.0.1"})
    CHECK_MESSAGE(!is_loopback(host), host);
}

TEST_CASE("transport: TLS settings must be complete and their files exist") {
  tls_settings none;
  CHECK_FALSE(none.requested());
  CHECK(check_tls(none));

  // Each incomplete set (certificate, key, passphrase, cafile, capath) and what
  // check_tls says.
  struct incomplete {
    tls_settings settings;
    const char* says;
  };
  const incomplete cases[] = {
    {{"", "", "", "/nonexistent/ca.crt", ""}, "option 'openssl.certificate' is empty"},
    {{"/nonexistent/n.crt", "", "", "/nonexistent/ca.crt", ""}, "option 'openssl.key' is empty"},
    {{"/nonexistent/n.crt", "/nonexistent/n.key", "", "", ""}, "option 'openssl.cafile' is empty"},
    {{"/nonexistent/n.crt", "/nonexistent/n.key", "", "/nonexistent/ca.crt", ""},
     "option 'openssl.certificate': no readable file /nonexistent/n.crt"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.says);
    CHECK(c.settings.requested());
    auto st = check_tls(c.settings);
    REQUIRE_FALSE(st);
    CHECK(contains(st.message(), c.says));
  }

  scratch dir;
  dir.touch("tls.crt");
  dir.touch("tls.key");
  dir.touch("ca.crt");
  tls_settings junk;
  junk.certificate = dir.path + "/tls.crt";
  junk.key = dir.path + "/tls.key";
  junk.cafile = dir.path + "/ca.crt";
  auto st = check_tls(junk);
  REQUIRE_FALSE(st);
  CHECK(contains(st.message(), "option 'openssl.certificate': cannot load"));
}

TEST_CASE("transport: a TLS directory is used whole or not at all") {
  tls_settings s;
  CHECK(apply_tls_dir(s, "", "node.tls-dir"));
  CHECK(apply_tls_dir(s, "/nonexistent/tls", "node.tls-dir"));
  CHECK_FALSE(s.requested());

  scratch dir;
  CHECK(apply_tls_dir(s, dir.path, "node.tls-dir"));
  CHECK_FALSE(s.requested());

  dir.touch("tls.crt");
  auto st = apply_tls_dir(s, dir.path, "node.tls-dir");
  REQUIRE_FALSE(st);
  CHECK(contains(st.message(), "option 'node.tls-dir'"));
  CHECK(contains(st.message(), "missing " + dir.path + "/tls.key, " + dir.path
                                 + "/ca.crt"));
  CHECK_FALSE(s.requested());

  dir.touch("tls.key");
  dir.touch("ca.crt");
  REQUIRE(apply_tls_dir(s, dir.path, "node.tls-dir"));
  CHECK(s.certificate == dir.path + "/tls.crt");
  CHECK(s.key == dir.path + "/tls.key");
  CHECK(s.cafile == dir.path + "/ca.crt");

  // Explicit openssl.* settings win over the directory.
  tls_settings explicit_cert;
  explicit_cert.certificate = "/etc/mine.crt";
  REQUIRE(apply_tls_dir(explicit_cert, dir.path, "node.tls-dir"));
  CHECK(explicit_cert.certificate == "/etc/mine.crt");
  CHECK(explicit_cert.key == dir.path + "/tls.key");
}
