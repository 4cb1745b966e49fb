// openssl_error_queue: an error another connection left in the thread's
// OpenSSL queue must not turn this connection's "no data yet"
// (SSL_ERROR_WANT_READ) into a failure. CAF 0.17.6 closes a connection on
// that failure; runtime/openssl_error_queue.hpp explains the bug.
#include <doctest/doctest.h>

#include <dlfcn.h>

#include <memory>
#include <string>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "actors/runtime/openssl_error_queue.hpp"

namespace {

template <class T, void (*Free)(T*)>
struct freer {
  void operator()(T* p) const {
    Free(p);
  }
};
using ctx_ptr = std::unique_ptr<SSL_CTX, freer<SSL_CTX, SSL_CTX_free>>;
using ssl_ptr = std::unique_ptr<SSL, freer<SSL, SSL_free>>;
using key_ptr = std::unique_ptr<EVP_PKEY, freer<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, freer<X509, X509_free>>;

// A client and a server session joined by an in-memory BIO pair, handshake
// done (TLS 1.3, a throwaway self-signed P-256 certificate).
struct tls_pair {
  ctx_ptr client_ctx{SSL_CTX_new(TLS_method())};
  ctx_ptr server_ctx{SSL_CTX_new(TLS_method())};
  ssl_ptr client, server;

  tls_pair() {
    key_ptr key{EVP_EC_gen("P-256")};
    x509_ptr cert{X509_new()};
    REQUIRE((key && cert));
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("test"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
    X509_set_pubkey(cert.get(), key.get());
    REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
    REQUIRE(SSL_CTX_use_certificate(server_ctx.get(), cert.get()) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey(server_ctx.get(), key.get()) == 1);
    client.reset(SSL_new(client_ctx.get()));
    server.reset(SSL_new(server_ctx.get()));
    BIO* a = nullptr;
    BIO* b = nullptr;
    REQUIRE(BIO_new_bio_pair(&a, 0, &b, 0) == 1);
    SSL_set_bio(client.get(), a, a);
    SSL_set_bio(server.get(), b, b);
    SSL_set_connect_state(client.get());
    SSL_set_accept_state(server.get());
    bool client_done = false, server_done = false;
    for (int i = 0; i < 10 && !(client_done && server_done); ++i) {
      client_done = client_done || SSL_do_handshake(client.get()) == 1;
      server_done = server_done || SSL_do_handshake(server.get()) == 1;
    }
    REQUIRE((client_done && server_done));
    ERR_clear_error();
  }
};

// What a peer closing another connection leaves on the queue (OpenSSL 3).
void stale_error() {
  ERR_raise(ERR_LIB_SSL, SSL_R_UNEXPECTED_EOF_WHILE_READING);
  REQUIRE(ERR_peek_error() != 0);
}

} // namespace

TEST_CASE("openssl_error_queue: libssl's own SSL_read reports a stale error") {
  // The bug the wrappers work around, with libssl's SSL_read.
  using read_fn = int (*)(SSL*, void*, int);
  auto real_read = reinterpret_cast<read_fn>(dlsym(RTLD_NEXT, "SSL_read"));
  REQUIRE(static_cast<bool>(real_read));
  tls_pair p;
  char buf[16];
  CHECK(SSL_get_error(p.client.get(), real_read(p.client.get(), buf, sizeof(buf)))
        == SSL_ERROR_WANT_READ);
  stale_error();
  CHECK(SSL_get_error(p.client.get(), real_read(p.client.get(), buf, sizeof(buf)))
        == SSL_ERROR_SSL);
  ERR_clear_error();
}

TEST_CASE("openssl_error_queue: through the wrappers a stale error changes nothing") {
  REQUIRE(actors::guard_openssl_error_queue());
  tls_pair p;
  char buf[16];
  stale_error();
  const int rc = SSL_read(p.client.get(), buf, sizeof(buf));
  CHECK(rc == -1);
  CHECK(SSL_get_error(p.client.get(), rc) == SSL_ERROR_WANT_READ);
  // Data still flows both ways.
  stale_error();
  CHECK(SSL_write(p.server.get(), "ping", 4) == 4);
  stale_error();
  CHECK(SSL_read(p.client.get(), buf, sizeof(buf)) == 4);
  CHECK(std::string(buf, 4) == "ping");
  ERR_clear_error();
}
