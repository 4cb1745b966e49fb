#include "actors/runtime/openssl_error_queue.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

using io_fn = int (*)(SSL*, void*, int);
using write_fn = int (*)(SSL*, const void*, int);
using step_fn = int (*)(SSL*);

// libssl's own definition of `name`: the next one after this executable.
template <class F>
F real(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

// A wrapper called without libssl's function has nothing to forward to.
[[noreturn]] void missing(const char* name) {
  std::fprintf(stderr, "fatal: libssl's %s was not found (dlsym)\n", name);
  std::abort();
}

struct real_functions {
  io_fn read = real<io_fn>("SSL_read");
  write_fn write = real<write_fn>("SSL_write");
  step_fn connect = real<step_fn>("SSL_connect");
  step_fn accept = real<step_fn>("SSL_accept");

  bool complete() const {
    return read && write && connect && accept;
  }
};

const real_functions& libssl() {
  static const real_functions fns;
  return fns;
}

} // namespace

// The wrappers: a clean queue, then libssl's function (header comment).
extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  ERR_clear_error();
  if (!libssl().read)
    missing("SSL_read");
  return libssl().read(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  ERR_clear_error();
  if (!libssl().write)
    missing("SSL_write");
  return libssl().write(ssl, buf, num);
}

int SSL_connect(SSL* ssl) {
  ERR_clear_error();
  if (!libssl().connect)
    missing("SSL_connect");
  return libssl().connect(ssl);
}

int SSL_accept(SSL* ssl) {
  ERR_clear_error();
  if (!libssl().accept)
    missing("SSL_accept");
  return libssl().accept(ssl);
}

} // extern "C"

namespace actors {

bool guard_openssl_error_queue() {
  if (libssl().complete())
    return true;
  std::fprintf(stderr, "warning: cannot find libssl's SSL_read/SSL_write/"
                       "SSL_connect/SSL_accept (%s); one closed TLS connection "
                       "may close others (CAF 0.17 session.cpp)\n",
               dlerror());
  return false;
}

} // namespace actors
