// openssl_error_queue: clears the calling thread's OpenSSL error queue before
// every TLS read, write and handshake step that CAF 0.17.6 makes, so that one
// connection's failure cannot close the process's other TLS connections.
//
// Why. OpenSSL's SSL_get_error() looks at the thread's error queue, which
// "must be empty before the TLS/SSL I/O operation is attempted, or
// SSL_get_error() will not work reliably" (SSL_get_error(3)). CAF 0.17.6's
// caf::openssl::session::do_some and handle_ssl_result
// (libcaf_openssl/src/openssl/session.cpp) never clear it, and drain it only
// inside CAF_LOG_INFO, which Debian's build compiles out. All TLS sockets of
// a process are served by the one multiplexer thread. When a peer closes a
// connection (CAF closes with shutdown(SHUT_WR), without a TLS close_notify),
// OpenSSL 3 queues "unexpected eof while reading" on that thread; the next
// SSL_read on any other connection that ends in SSL_ERROR_WANT_READ (the
// normal end of every read burst) is then reported as SSL_ERROR_SSL, and CAF
// closes that healthy connection (stream::handle_read_result -> io_failure).
// A node loses its links to other nodes and to the driver: the lost node
// (remote_link_unreachable) and the connect timeouts that kept TLS
// clusters on relayed exchanges. The trigger there was a worker's connection
// to the server's node on a second job: BASP closes it as redundant
// (basp::instance::handle, server_handshake, "close redundant direct
// connection"), its EOF poisons the server node's queue, and the server node
// drops its existing links on their next record. The queue was cleared again
// only by chance, when the thread accepted a connection (loading the
// certificate chain clears it), which is why the first job worked.
//
// How. This file defines SSL_read, SSL_write, SSL_connect and SSL_accept in
// the executable. The dynamic linker resolves libcaf_openssl's calls to these
// definitions (an executable's symbols come first in ELF symbol lookup);
// each clears the queue with ERR_clear_error() and calls libssl's function,
// found with dlsym(RTLD_NEXT). Nothing else changes: the return values and
// SSL_get_error() are libssl's. Debian's CAF is not patched. (libssl 3
// clears the queue itself at each handshake step; SSL_read and SSL_write on
// an established connection do not, which tests/caf/openssl_error_queue_test
// shows with libssl's own SSL_read.)
//
// Thread-safe: the OpenSSL error queue is per thread; the real functions are
// looked up once.
#pragma once

namespace actors {

/// Makes sure the wrappers are linked into the executable and resolves the
/// real libssl functions; returns false (and says why on stderr) if libssl's
/// functions cannot be found, which leaves TLS to CAF unprotected. Call it
/// once before the actor system starts with TLS; calling it again is cheap.
bool guard_openssl_error_queue();

} // namespace actors
