#include "actors/runtime/transport.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "actors/runtime/openssl_error_queue.hpp"
#include "actors/runtime/protocol.hpp"

namespace actors {

namespace {

bool is_file(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_dir(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The reasons OpenSSL queued, oldest first, as one line.
std::string ssl_errors() {
  std::string out;
  while (auto e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    out += (out.empty() ? "" : "; ") + std::string{buf};
  }
  return out.empty() ? "no reason given" : out;
}

// Hands OpenSSL the configured passphrase; with none it answers "no
// passphrase" instead of letting OpenSSL prompt on the terminal.
int passphrase_cb(char* buf, int size, int, void* user) {
  const auto* pass = static_cast<const std::string*>(user);
  if (pass == nullptr || pass->empty() || size <= 0)
    return 0;
  const int n = std::min(size - 1, static_cast<int>(pass->size()));
  std::memcpy(buf, pass->data(), static_cast<std::size_t>(n));
  buf[n] = '\0';
  return n;
}

// What a TCP probe of a node that failed a TLS handshake found.
enum class probe_result { unreachable, silent, speaks_first };

// Opens a plain TCP connection to host:port and waits up to `ms` for bytes.
// A plain CAF node sends its BASP handshake at once; a TLS node waits for
// the client's hello and stays silent.
probe_result probe(const std::string& host, std::uint16_t port, int ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0)
    return probe_result::unreachable;
  auto out = probe_result::unreachable;
  for (auto* ai = res; ai && out == probe_result::unreachable; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK,
                            ai->ai_protocol);
    if (fd < 0)
      continue;
    bool connected = ::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
    if (!connected && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof(err);
      connected = ::poll(&p, 1, ms) == 1
                  && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0
                  && err == 0;
    }
    if (connected) {
      pollfd p{fd, POLLIN, 0};
      char byte = 0;
      out = ::poll(&p, 1, ms) == 1 && ::recv(fd, &byte, 1, 0) == 1
              ? probe_result::speaks_first
              : probe_result::silent;
    }
    ::close(fd);
  }
  freeaddrinfo(res);
  return out;
}

} // namespace

bool tls_settings::requested() const {
  return !certificate.empty() || !key.empty() || !passphrase.empty()
         || !cafile.empty() || !capath.empty();
}

void add_tls_options(option_set& opts, tls_settings& s, const std::string& self,
                     const std::string& peers) {
  opts.add("openssl.certificate", &s.certificate,
           "PEM certificate of " + self + " (CAF's key; turns on mutual TLS)");
  opts.add("openssl.key", &s.key, "PEM private key of openssl.certificate");
  opts.add("openssl.passphrase", &s.passphrase,
           "passphrase of an encrypted openssl.key (prefer the config file)");
  opts.add("openssl.cafile", &s.cafile,
           "PEM file of the CA whose certificates " + peers + " must present");
  opts.add("openssl.capath", &s.capath,
           "directory of hashed CA certificates, instead of openssl.cafile");
}

status apply_tls_dir(tls_settings& s, const std::string& dir,
                     const std::string& option) {
  if (dir.empty() || !is_dir(dir))
    return status::ok();
  const std::string crt = dir + "/tls.crt", key = dir + "/tls.key",
                    ca = dir + "/ca.crt";
  const bool has_crt = is_file(crt), has_key = is_file(key), has_ca = is_file(ca);
  if (!has_crt && !has_key && !has_ca)
    return status::ok();
  if (!(has_crt && has_key && has_ca)) {
    std::string missing;
    for (auto& [ok, path] : {std::pair{has_crt, crt}, {has_key, key}, {has_ca, ca}})
      if (!ok)
        missing += (missing.empty() ? "" : ", ") + path;
    return status::invalid_argument("option '" + option + "': " + dir
                                    + " holds only part of the TLS material; "
                                    "missing " + missing
                                    + " (expected tls.crt, tls.key and ca.crt)");
  }
  if (s.certificate.empty())
    s.certificate = crt;
  if (s.key.empty())
    s.key = key;
  if (s.cafile.empty() && s.capath.empty())
    s.cafile = ca;
  return status::ok();
}

status check_tls(const tls_settings& s) {
  if (!s.requested())
    return status::ok();
  auto missing = [](const char* what) {
    return status::invalid_argument(
      std::string{"TLS is configured but option 'openssl."} + what
      + "' is empty: mutual TLS needs openssl.certificate, openssl.key and "
        "openssl.cafile (or openssl.capath); scripts/make_certs.sh makes them");
  };
  if (s.certificate.empty())
    return missing("certificate");
  if (s.key.empty())
    return missing("key");
  if (s.cafile.empty() && s.capath.empty())
    return missing("cafile");
  for (auto& [opt, path] : {std::pair{"certificate", s.certificate},
                            {"key", s.key}, {"cafile", s.cafile}})
    if (!path.empty() && !is_file(path))
      return status::invalid_argument(std::string{"option 'openssl."} + opt
                                      + "': no readable file " + path);
  if (!s.capath.empty() && !is_dir(s.capath))
    return status::invalid_argument("option 'openssl.capath': no directory "
                                    + s.capath);
  // Load everything the way CAF will, once, so a bad file is an error here
  // and not an exception in CAF's network thread at the first connection.
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx{SSL_CTX_new(TLS_method()),
                                                   SSL_CTX_free};
  if (!ctx)
    return status::io_error("cannot create an OpenSSL context: " + ssl_errors());
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), s.certificate.c_str()) != 1)
    return status::invalid_argument("option 'openssl.certificate': cannot load "
                                    + s.certificate + " as a PEM certificate: "
                                    + ssl_errors());
  // Read the key on its own first, so "cannot read" and "not this
  // certificate's key" are told apart.
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> pkey{nullptr, EVP_PKEY_free};
  if (FILE* f = std::fopen(s.key.c_str(), "r")) {
    pkey.reset(PEM_read_PrivateKey(f, nullptr, passphrase_cb,
                                   const_cast<std::string*>(&s.passphrase)));
    std::fclose(f);
  }
  if (!pkey)
    return status::invalid_argument(
      "option 'openssl.key': cannot load " + s.key + " as a PEM private key"
      + (s.passphrase.empty() ? " (if it is encrypted, set openssl.passphrase)"
                              : " with openssl.passphrase")
      + ": " + ssl_errors());
  if (SSL_CTX_use_PrivateKey(ctx.get(), pkey.get()) != 1
      || SSL_CTX_check_private_key(ctx.get()) != 1)
    return status::invalid_argument("option 'openssl.key': " + s.key
                                    + " is not the key of openssl.certificate "
                                    + s.certificate + ": " + ssl_errors());
  const char* cafile = s.cafile.empty() ? nullptr : s.cafile.c_str();
  const char* capath = s.capath.empty() ? nullptr : s.capath.c_str();
  if (SSL_CTX_load_verify_locations(ctx.get(), cafile, capath) != 1)
    return status::invalid_argument(
      std::string{"option '"} + (cafile ? "openssl.cafile" : "openssl.capath")
      + "': cannot load CA certificates from " + (cafile ? s.cafile : s.capath)
      + ": " + ssl_errors());
  return status::ok();
}

void use_transport(caf::actor_system_config& cfg, const tls_settings& s) {
  if (!s.requested())
    return;
  // CAF's TLS sessions need a clean OpenSSL error queue before each call.
  guard_openssl_error_queue();
  cfg.load<caf::openssl::manager>();
  cfg.openssl_certificate = s.certificate;
  cfg.openssl_key = s.key;
  cfg.openssl_passphrase = s.passphrase;
  cfg.openssl_cafile = s.cafile;
  cfg.openssl_capath = s.capath;
}

bool tls_enabled(caf::actor_system& sys) {
  return sys.has_openssl_manager()
         && sys.openssl_manager().authentication_enabled();
}

std::string transport_name(caf::actor_system& sys) {
  if (!tls_enabled(sys))
    return "plain TCP, no authentication";
  const auto& cfg = sys.config();
  return "mutual TLS, peers need a certificate from "
         + (cfg.openssl_cafile.empty() ? cfg.openssl_capath : cfg.openssl_cafile);
}

result<std::uint16_t> listen(caf::actor_system& sys, const std::string& host,
                             std::uint16_t port,
                             std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys};
  result<std::uint16_t> out = status::io_error("no reply from the middleman");
  self->request(middleman_of(sys), timeout, caf::open_atom::value, port, host, true)
    .receive([&](std::uint16_t actual) { out = actual; },
             [&](caf::error& err) { out = status::io_error(describe(sys, err)); });
  return out;
}

void close_port(caf::actor_system& sys, std::uint16_t port) {
  // Both middleman actors share one BASP broker, which owns every port.
  caf::anon_send(middleman_of(sys), caf::close_atom::value, port);
}

result<caf::node_id> connect(caf::actor_system& sys, const std::string& host,
                             std::uint16_t port,
                             std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys};
  result<caf::node_id> out = status::io_error("no reply from the middleman");
  self->request(middleman_of(sys), timeout, caf::connect_atom::value, host, port)
    .receive(
      [&](caf::node_id& nid, caf::strong_actor_ptr&, std::set<std::string>&) {
        out = std::move(nid);
      },
      [&](caf::error& err) {
        std::string why = describe(sys, err);
        // A refused TLS handshake only shows as a closed connection (or, if
        // the node's first bytes are no TLS, a failed connect); a probe
        // tells a plain node from a TLS node that refused a certificate.
        const bool handshake = err == caf::sec::disconnect_during_handshake
                               || err == caf::sec::cannot_connect_to_node;
        if (handshake && tls_enabled(sys)) {
          switch (probe(host, port, 1000)) {
            case probe_result::speaks_first:
              why += " (the node does not use TLS: it answered in plain "
                     "CAF; start it with openssl.* or connect without)";
              break;
            case probe_result::silent:
              why += " (the TLS handshake failed: the node refused this "
                     "driver's certificate or this driver refused the "
                     "node's; each must be signed by the CA in the other's "
                     "openssl.cafile)";
              break;
            case probe_result::unreachable:
              break;
          }
        } else if (err == caf::sec::disconnect_during_handshake) {
          why += " (this driver uses plain TCP: if the node requires TLS, "
                 "set openssl.certificate, openssl.key and openssl.cafile)";
        } else if (err == caf::sec::request_timeout)
          why += " (no answer within " + std::to_string(timeout.count())
                 + " ms)";
        out = status::io_error(why);
      });
  return out;
}

caf::io::middleman_actor middleman_of(caf::actor_system& sys) {
  if (tls_enabled(sys))
    return sys.openssl_manager().actor_handle();
  return sys.middleman().actor_handle();
}

std::string bind_problem(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0)
    return gai_strerror(rc);
  std::string why;
  const int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
  if (fd < 0) {
    why = std::strerror(errno);
  } else {
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, res->ai_addr, res->ai_addrlen) != 0)
      why = std::strerror(errno);
    close(fd);
  }
  freeaddrinfo(res);
  return why;
}

bool is_loopback(const std::string& host) {
  if (host.empty())
    return false;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0)
    return false;
  bool all = res != nullptr;
  for (auto* ai = res; ai; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      auto* sin = reinterpret_cast<sockaddr_in*>(ai->ai_addr);
      all = all && (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
    } else if (ai->ai_family == AF_INET6) {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(ai->ai_addr);
      const auto& a = sin6->sin6_addr;
      const bool mapped_v4_loopback = IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127;
      all = all && (IN6_IS_ADDR_LOOPBACK(&a) || mapped_v4_loopback);
    } else {
      all = false;
    }
  }
  freeaddrinfo(res);
  return all;
}

} // namespace actors
