// transport: how a process lets peers in (caf-node) and reaches them (the
// driver), over mutual TLS or plain TCP, decided in this one place.
//
// TLS is CAF's OpenSSL module with CAF's own settings (openssl.certificate,
// openssl.key, openssl.cafile, openssl.capath, openssl.passphrase). CAF 0.17
// turns on mandatory mutual authentication as soon as any of them is set:
// both ends send a certificate and verify the other's against the CA
// (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT); it checks no host
// name, so every certificate the cluster's CA signed is a member. Use a CA
// of its own for each cluster (scripts/make_certs.sh).
//
// CAF 0.17's openssl API has publish/remote_actor but no open/connect. Its
// middleman actor (openssl::manager::actor_handle()) implements the same
// interface as the plain one with TLS sockets, so open_atom and connect_atom
// sent to it open a TLS port without publishing an actor and connect to a
// node by address; remote_spawn then uses that connection, because the BASP
// broker routes by node id whatever the socket underneath.
//
// The functions are thread-safe as CAF's middleman is; listen/connect block
// the caller up to their timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/all.hpp>
#include <caf/io/middleman_actor.hpp>

#include "actors/util/options.hpp"
#include "actors/util/status.hpp"

namespace actors {

/// CAF's openssl.* settings; all empty means plain TCP.
struct tls_settings {
  /// openssl.certificate: this party's PEM certificate (chain).
  std::string certificate;
  /// openssl.key: its PEM private key.
  std::string key;
  /// openssl.passphrase: the key's passphrase, if it is encrypted.
  std::string passphrase;
  /// openssl.cafile: PEM file of the CA(s) whose certificates peers must have.
  std::string cafile;
  /// openssl.capath: directory of hashed CA certificates (c_rehash layout).
  std::string capath;

  /// True if any setting asks for TLS.
  bool requested() const;
};

/// Declares CAF's openssl.* options on `opts`, bound to `s`; `self` and
/// `peers` name the parties in the help ("this node", "peers").
void add_tls_options(option_set& opts, tls_settings& s, const std::string& self,
                     const std::string& peers);

/// Fills empty settings from DIR/tls.crt, DIR/tls.key and DIR/ca.crt (the
/// layout of a Kubernetes TLS Secret) when DIR holds all three. DIR missing
/// or holding none of them leaves `s` unchanged; some but not all is an
/// error naming `option` (e.g. "node.tls-dir") and the missing files.
status apply_tls_dir(tls_settings& s, const std::string& dir,
                     const std::string& option);

/// Checks TLS settings before CAF sees them, because CAF throws from its
/// network thread on a bad file: certificate, key and a CA (cafile or
/// capath) are all needed, the files must load, and the key must match the
/// certificate. Errors name the option and the file.
status check_tls(const tls_settings& s);

/// Loads CAF's OpenSSL module into `cfg` and writes the settings when TLS is
/// requested; leaves `cfg` plain otherwise. Call before the actor_system
/// is made from `cfg`, with settings check_tls() accepted.
void use_transport(caf::actor_system_config& cfg, const tls_settings& s);

/// True if `sys` talks TLS to its peers.
bool tls_enabled(caf::actor_system& sys);

/// "mutual TLS (CA ...)" or "plain TCP, no authentication", for logs.
std::string transport_name(caf::actor_system& sys);

/// Opens `port` on `host` for peers, TLS or plain as `sys` is configured,
/// with SO_REUSEADDR; returns the bound port.
result<std::uint16_t> listen(caf::actor_system& sys, const std::string& host,
                             std::uint16_t port,
                             std::chrono::milliseconds timeout);

/// Closes a port opened by listen().
void close_port(caf::actor_system& sys, std::uint16_t port);

/// Connects to the node at host:port, TLS or plain as `sys` is configured,
/// and returns its node id. A refused TLS handshake is explained (which
/// side may lack TLS or a certificate of the same CA).
result<caf::node_id> connect(caf::actor_system& sys, const std::string& host,
                             std::uint16_t port,
                             std::chrono::milliseconds timeout);

/// The middleman actor that speaks this system's transport (TLS or plain),
/// for actors that open connections asynchronously (connect_atom).
caf::io::middleman_actor middleman_of(caf::actor_system& sys);

/// True if every address `host` resolves to is a loopback one (127.0.0.0/8,
/// ::1); false for the wildcard (empty, 0.0.0.0, ::) and unresolvable names.
bool is_loopback(const std::string& host);

/// Why `host`:`port` cannot be bound ("Address already in use", a resolver
/// error), found by binding once more; empty if it can be now. CAF reports
/// every bind failure as "tcp socket creation failed", and other servers
/// give no reason at all: this tells the operator.
std::string bind_problem(const std::string& host, std::uint16_t port);

} // namespace actors
