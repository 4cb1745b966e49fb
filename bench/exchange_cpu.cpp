// exchange_cpu: the CPU time one remote exchange costs, per wire codec, on
// the worker and on the parameter server, without sockets.
//
// One ADAG exchange (window 5) of a worker whose server is on another node,
// through the same calls the worker and server actors make
// (runtime/worker.cpp, runtime/parameter_server.cpp) and CAF 0.17's real
// binary serializer, which BASP uses for every message between nodes:
//
//   worker send     payload = (W - C) / window; W_sent <- W (overlap);
//                   the commit stream's encoder; the bytes it counts; the
//                   commit_msg serialized (BASP's part, on the middleman's
//                   thread in a node) and dropped
//   server          the commit_msg deserialized (middleman), its values
//                   checked finite (from a payload's bytes where the
//                   deserializer kept it coded and the tree's codecs tell
//                   so, wire::all_finite; else util/finite where the tree
//                   has it), the rule applied to the centre, the
//                   worker's centre encoder (int8, sign, topk: the delta
//                   against the server's view of the worker's copy), the
//                   weights_msg serialized (middleman); both dropped
//   worker receive  the weights_msg deserialized (middleman), the bytes it
//                   counts, the centre decoder (from the bytes where the
//                   deserializer keeps them), W <- C + (W - W_sent)
//
// What it leaves out: CAF's message envelope and mailbox, BASP's framing,
// the sockets and the kernel's network stack; and since it runs on one
// thread, a buffer freed here is reused here at once, where in a node the
// middleman's thread and the actor's allocate and free each other's
// messages (so an older build's fresh vectors fault less here than there). Each phase is timed with the
// thread's CPU clock (user and kernel time, so page faults of fresh buffers
// count), `reps` times after `warmup` untimed exchanges; it prints the
// median of each in ns per value. The model drifts as training does: each
// exchange moves every local weight by up to 1e-3 and one in 97 by up to
// 1e-2, from a fixed seed, so two builds whose codecs agree bit for bit
// send the same bytes: `wire_hash` (FNV-1a over every message serialized)
// says whether they did.
//
// Built against older builds too (bench/exchange_cpu.sh --rev=...): where
// the tree has no runtime/exchange_buffers.hpp (before the encoders wrote
// their bytes once) it makes the calls those builds' actors made.
//
// Usage: exchange_cpu [--n=VALUES] [--reps=N] [--warmup=N] [--codecs=A,B,...]
// Output: one JSON object per codec on stdout, one line each.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/runtime/protocol.hpp"
#include "actors/trainers/update_rule.hpp"
#include "actors/util/rng.hpp"
#include "actors/wire/codec.hpp"

#if __has_include("actors/util/finite.hpp")
#include "actors/util/finite.hpp"
#endif
#if __has_include("actors/runtime/exchange_buffers.hpp")
#include "actors/runtime/exchange_buffers.hpp"
#include "actors/util/float_pool.hpp"
#define EXCHANGE_CPU_CODED 1
#else
#define EXCHANGE_CPU_CODED 0
#endif

namespace {

using namespace actors;

struct options {
  std::size_t n = 1048853; // mnist_cnn's parameters
  int reps = 40;
  int warmup = 5;
  std::vector<std::string> codecs{"fp32", "fp16", "int8", "sign", "topk:0.01"};
};

[[noreturn]] void usage(const std::string& bad) {
  std::fprintf(stderr,
               "exchange_cpu: bad argument '%s'; expected --n=VALUES (>= 1), "
               "--reps=N (>= 1), --warmup=N (>= 0), --codecs=NAME,...\n",
               bad.c_str());
  std::exit(2);
}

long parse_count(const std::string& arg, const std::string& text, long min) {
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < min)
    usage(arg);
  return v;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto eq = a.find('=');
    const std::string key = a.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (key == "--n")
      o.n = static_cast<std::size_t>(parse_count(a, value, 1));
    else if (key == "--reps")
      o.reps = static_cast<int>(parse_count(a, value, 1));
    else if (key == "--warmup")
      o.warmup = static_cast<int>(parse_count(a, value, 0));
    else if (key == "--codecs") {
      o.codecs.clear();
      for (std::size_t at = 0; at <= value.size();) {
        const auto comma = std::min(value.find(',', at), value.size());
        o.codecs.push_back(value.substr(at, comma - at));
        at = comma + 1;
      }
      for (const auto& c : o.codecs)
        if (wire::find_codec(c) == nullptr)
          usage(a + " (unknown codec '" + c + "'; known: " + wire::codec_syntax() + ")");
    } else
      usage(a);
  }
  return o;
}

double thread_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

void fnv(std::uint64_t& h, const std::vector<char>& bytes) {
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
}

// One worker on a lossy link and its server, as the actors hold them.
struct exchange_pair {
  std::size_t n;
  const wire::codec& codec;
  std::unique_ptr<update_rule> worker_rule, server_rule;
  std::unique_ptr<wire::commit_encoder> commits;
  std::unique_ptr<wire::centre_encoder> centres;
  wire::centre_decoder decoder;
  std::vector<float> w, w_sent, centre, spare;
  std::vector<char> up, down; // the serialized messages (BASP's buffers)
  std::uint64_t updates = 0;
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  std::size_t up_bytes = 0, down_bytes = 0;
  rng drift{42};

  exchange_pair(std::size_t values, const wire::codec& c)
    : n(values), codec(c), decoder(c.make_centre_decoder()) {
    rule_options o;
    o.name = "adag";
    o.window = 5;
    auto for_worker = make_rule(o), for_server = make_rule(o);
    if (!for_worker || !for_server)
      std::abort();
    worker_rule = std::move(*for_worker);
    server_rule = std::move(*for_server);
    commits = c.make_commit_encoder();
    centres = c.make_centre_encoder();
    rng r{7};
    centre.resize(n);
    for (auto& v : centre)
      v = r.uniform(-0.1f, 0.1f);
    // The first pull: the whole centre, which starts the server's view.
    std::vector<float> first;
    const auto s = centres->encode(centre, decoder.wants_deltas(), first);
    decoder.decode(first, s.delta);
    w = decoder.centre();
  }

  // A window of training: every weight moves a little, a few more.
  void train() {
    for (std::size_t i = 0; i < n; ++i)
      w[i] += (i % 97 == 0 ? 1e-2f : 1e-3f) * (drift.uniform() - 0.5f);
  }

  void worker_send();
  void server();
  void reply(const commit_msg& in);
  void worker_receive();
};

void exchange_pair::worker_send() {
  commit_msg msg;
  msg.worker = 0;
  msg.last_update = updates;
  msg.want_delta = decoder.wants_deltas();
#if EXCHANGE_CPU_CODED
  auto payload = std::move(spare); // worker.cpp's take_payload
  if (payload.capacity() < n)
    payload = take_floats(n);
  payload.resize(n);
  worker_rule->make_payload(w.data(), decoder.centre().data(), payload.data(), n);
  w_sent.assign(w.begin(), w.end());
  put_commit(*commits, payload, msg.payload);
  spare = std::move(payload);
  up_bytes = link_bytes(msg.payload, true);
#else
  std::vector<float> payload(n);
  worker_rule->make_payload(w.data(), decoder.centre().data(), payload.data(), n);
  w_sent.assign(w.begin(), w.end());
  msg.payload.values = std::move(payload);
  msg.payload.format = commits->encode(msg.payload.values);
  up_bytes = wire::codec_of_format(msg.payload.format)
               ->bytes(msg.payload.values.data(), n);
#endif
  up.clear();
  caf::binary_serializer sink{nullptr, up};
  if (auto err = sink(msg))
    std::abort();
}

// The worker's centre decoder takes a reply: straight from its bytes where
// the tree's deserializer keeps a blockwise coding as they came
// (centre_decoder::decode_coded), else from its values.
template <class Decoder>
auto take_centre(Decoder& d, float_buffer& b, bool delta, int)
  -> decltype(d.decode_coded(*b.coded, delta)) {
  return b.coded ? d.decode_coded(*b.coded, delta) : d.decode(b.values, delta);
}

template <class Decoder>
bool take_centre(Decoder& d, float_buffer& b, bool delta, long) {
  return d.decode(b.values, delta);
}

// Whether a payload the deserializer kept coded reads as finite values, as
// the server checks it: from its bytes where the tree's codecs can
// (wire::all_finite(coded_values), found by ADL), else a decoded run at a
// time (wire::read_runs).
template <class Coded>
auto coded_finite(const Coded& bytes, int) -> decltype(all_finite(bytes)) {
  return all_finite(bytes);
}

template <class Coded>
bool coded_finite(const Coded& bytes, long) {
  return read_runs(bytes, [](auto, auto count, const auto* run) {
    return all_finite(run, count);
  });
}

// The server takes a payload the deserializer kept coded as its handler
// does where the tree can (update_rule::applies_by_value): checked finite
// and applied a decoded run at a time (wire::read_runs, found by ADL).
template <class Rule, class Buffer>
auto apply_coded(Rule& rule, Buffer& p, float* centre, std::uint64_t updates,
                 std::uint64_t last_update, int)
  -> decltype(rule.applies_by_value(), bool()) {
  if (!p.coded || !rule.applies_by_value())
    return false;
  if (!coded_finite(*p.coded, 0))
    std::abort();
  read_runs(*p.coded, [&](std::size_t first, std::size_t count, const float* run) {
    rule.apply(centre + first, run, count, updates, last_update);
    return true;
  });
  return true;
}

template <class Rule, class Buffer>
bool apply_coded(Rule&, Buffer&, float*, std::uint64_t, std::uint64_t, long) {
  return false;
}

void exchange_pair::server() {
  commit_msg in;
  caf::binary_deserializer source{nullptr, up};
  if (auto err = source(in))
    std::abort();
  if (apply_coded(*server_rule, in.payload, centre.data(), updates, in.last_update, 0)) {
    ++updates;
    reply(in);
    return;
  }
#if EXCHANGE_CPU_CODED
  in.payload.ensure_values(); // as the server's handler does
#endif
#if __has_include("actors/util/finite.hpp")
  if (!all_finite(in.payload.values.data(), in.payload.values.size()))
    std::abort();
#else
  for (float v : in.payload.values)
    if (!std::isfinite(v))
      std::abort();
#endif
  server_rule->apply(centre.data(), in.payload.values.data(), n, updates,
                     in.last_update);
  ++updates;
  reply(in);
}

void exchange_pair::reply(const commit_msg& in) {
  weights_msg out;
  out.version = updates;
#if EXCHANGE_CPU_CODED
  out.delta = put_centre(*centres, centre, in.want_delta, out.weights);
#else
  const auto stamp = centres->encode(centre, in.want_delta, out.weights.values);
  out.weights.format = stamp.format;
  out.delta = stamp.delta;
#endif
  down.clear();
  caf::binary_serializer sink{nullptr, down};
  if (auto err = sink(out))
    std::abort();
}

void exchange_pair::worker_receive() {
  weights_msg in;
  caf::binary_deserializer source{nullptr, down};
  if (auto err = source(in))
    std::abort();
#if EXCHANGE_CPU_CODED
  down_bytes = link_bytes(in.weights, true);
#else
  down_bytes = wire::codec_of_format(in.weights.format)
                 ->bytes(in.weights.values.data(), in.weights.values.size());
#endif
  if (!take_centre(decoder, in.weights, in.delta, 0))
    std::abort();
  worker_rule->rebase(w.data(), decoder.centre().data(), w_sent.data(), n);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

void run(const options& o, const std::string& name) {
  exchange_pair p{o.n, *wire::find_codec(name)};
  std::vector<double> send, server, receive;
  for (int r = 0; r < o.warmup + o.reps; ++r) {
    p.train();
    const double t0 = thread_seconds();
    p.worker_send();
    const double t1 = thread_seconds();
    p.server();
    const double t2 = thread_seconds();
    p.worker_receive();
    const double t3 = thread_seconds();
    fnv(p.hash, p.up);
    fnv(p.hash, p.down);
    if (r >= o.warmup) {
      send.push_back(t1 - t0);
      server.push_back(t2 - t1);
      receive.push_back(t3 - t2);
    }
  }
  const double per = 1e9 / static_cast<double>(o.n);
  const double s = median(send) * per, v = median(server) * per,
               rc = median(receive) * per;
  std::printf("{\"codec\":\"%s\",\"coded\":%s,\"n\":%zu,\"reps\":%d,"
              "\"worker_send_ns\":%.3f,\"server_ns\":%.3f,\"worker_receive_ns\":%.3f,"
              "\"worker_ns\":%.3f,\"total_ns\":%.3f,\"up_bytes\":%zu,\"down_bytes\":%zu,"
              "\"wire_hash\":\"%016llx\"}\n",
              name.c_str(), EXCHANGE_CPU_CODED ? "true" : "false", o.n, o.reps, s, v, rc,
              s + rc, s + v + rc, p.up_bytes, p.down_bytes,
              static_cast<unsigned long long>(p.hash));
  std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  for (const auto& name : o.codecs)
    run(o, name);
  return 0;
}
