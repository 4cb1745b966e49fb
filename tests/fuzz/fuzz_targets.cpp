#include "fuzz_targets.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

#include "actors/data/csv.hpp"
#include "actors/data/idx.hpp"
#include "actors/nn/model_spec.hpp"
#include "actors/train/checkpoint.hpp"
#include "actors/util/crc32.hpp"
#include "actors/util/options.hpp"
#include "actors/wire/codec.hpp"

namespace actors::fuzz {

namespace {

namespace fs = std::filesystem;

/// This process's scratch directory, removed when the process exits.
const fs::path& scratch() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path()
                 / ("actors_fuzz_" + std::to_string(::getpid()));
    fs::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(fs::temp_directory_path()
                       / ("actors_fuzz_" + std::to_string(::getpid())),
                     ec);
    });
    return d;
  }();
  return dir;
}

std::string put_file(const char* name, const std::uint8_t* data, std::size_t size) {
  const std::string path = (scratch() / name).string();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr)
    std::abort(); // the harness itself is broken, not the parser
  if (size > 0 && std::fwrite(data, 1, size, f) != size)
    std::abort();
  std::fclose(f);
  return path;
}

/// A status must carry a message when it is not ok: the user sees it.
void check_error(const status& st) {
  if (st.is_ok() || st.message().empty())
    std::abort();
}

} // namespace

bool idx_input(const std::uint8_t* data, std::size_t size) {
  if (size < 2)
    return false;
  const std::size_t rest = size - 2;
  const std::size_t split = (std::size_t{data[0]} | std::size_t{data[1]} << 8) % (rest + 1);
  const std::string images = put_file("images", data + 2, split);
  const std::string labels = put_file("labels", data + 2 + split, rest - split);
  auto r = read_idx(images, labels, 10);
  if (!r) {
    check_error(r.error());
    return false;
  }
  if (!validate(*r).is_ok())
    std::abort();
  return true;
}

bool csv_input(const std::uint8_t* data, std::size_t size) {
  if (size < 1)
    return false;
  static constexpr std::size_t class_counts[8] = {10, 2, 1, 256, 0, 257, 10, 10};
  const std::uint8_t b = data[0];
  const std::size_t h = 1 + (b & 3), w = 1 + ((b >> 2) & 3), c = 1 + ((b >> 4) & 1);
  const std::size_t classes = class_counts[b >> 5];
  const std::string path = put_file("data.csv", data + 1, size - 1);
  auto r = read_csv(path, h, w, c, classes);
  if (!r) {
    check_error(r.error());
    return false;
  }
  if (!validate(*r).is_ok() || classes == 0 || classes > 256)
    std::abort();
  return true;
}

bool model_spec_input(const std::uint8_t* data, std::size_t size) {
  const std::string text{reinterpret_cast<const char*>(data), size};
  auto m = parse_model_spec(text, "fuzz.model");
  if (!m) {
    check_error(m.error());
    return false;
  }
  return true;
}

bool checkpoint_input(const std::uint8_t* data, std::size_t size) {
  auto check = [](const std::string& bytes) {
    auto c = decode_checkpoint(bytes.data(), bytes.size(), "fuzz.ckpt");
    if (!c) {
      check_error(c.error());
      return false;
    }
    // What was accepted must survive another round trip unchanged (compared
    // as bytes, since NaN != NaN).
    const std::string again = encode_checkpoint(*c);
    auto back = decode_checkpoint(again.data(), again.size(), "fuzz.ckpt");
    if (!back || encode_checkpoint(*back) != again)
      std::abort();
    return true;
  };
  std::string bytes{reinterpret_cast<const char*>(data), size};
  bool accepted = check(bytes);
  // Past the checksum: the same bytes with a matching length and CRC.
  if (bytes.size() >= 24 && !accepted) {
    const std::uint64_t total = bytes.size();
    for (int i = 0; i < 8; ++i)
      bytes[12 + i] = static_cast<char>((total >> (8 * i)) & 0xff);
    const std::uint32_t crc = crc32_of(bytes.data(), bytes.size() - 4);
    for (int i = 0; i < 4; ++i)
      bytes[bytes.size() - 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
    accepted = check(bytes);
  }
  return accepted;
}

namespace {

// caf-node's check of CAF timespans: digits and a unit.
bool is_timespan(const std::string& v) {
  std::size_t digits = 0;
  while (digits < v.size() && v[digits] >= '0' && v[digits] <= '9')
    ++digits;
  const std::string unit = v.substr(digits);
  return digits > 0
         && (unit == "ns" || unit == "us" || unit == "ms" || unit == "s"
             || unit == "min" || unit == "h");
}

/// The option kinds and ranges train_mnist declares (apps/train_mnist).
struct train_settings {
  std::string data = "data", dataset = "mnist", model = "mnist_cnn",
              trainer = "adag", nodes, optimizer = "adam", progress = "auto";
  std::size_t epochs = 5, batch_size = 16, workers = 3, window = 0, threads = 0;
  double learning_rate = -1, timeout = 120, momentum = -1, scale_max = 250;
  bool nesterov = false;
  std::uint64_t seed = 42;

  void declare(option_set& o) {
    o.add("data", &data, "data directory");
    o.add_choice("dataset", &dataset, {"mnist", "fashion"}, "data set");
    o.add("model", &model, "built-in model or a spec file");
    o.add_choice("trainer", &trainer,
                 {"single", "averaging", "ensemble", "downpour", "adag", "dynsgd",
                  "aeasgd", "eamsgd"},
                 "trainer");
    o.add("nodes", &nodes, "caf-node addresses");
    o.add("workers", &workers, 1, 1024, "workers");
    o.add("window", &window, 0, 1000000, "communication window");
    o.add("momentum", &momentum, -1, 0.999999, "EAMSGD momentum");
    o.add("timeout", &timeout, 0.1, 86400, "reply timeout");
    o.add("epochs", &epochs, 1, 100000, "epochs");
    o.add("batch-size", &batch_size, 1, 65536, "batch size");
    o.add_choice("optimizer", &optimizer, {"adam", "adagrad", "sgd", "rmsprop"},
                 "optimizer");
    o.add("learning-rate", &learning_rate, -1, 10, "learning rate");
    o.add("nesterov", &nesterov, "Nesterov momentum");
    o.add("seed", &seed, "seed");
    o.add("threads", &threads, 0, 256, "compute threads");
    o.add("scale-max", &scale_max, 1, 65535, "pixel maximum");
    o.add_choice("progress", &progress, {"auto", "bar", "lines", "off"}, "progress");
  }
};

/// The option kinds caf-node declares (apps/node), with sections.
struct node_settings {
  std::string host = "127.0.0.1", name, data_dir = "data", policy = "stealing",
              heartbeat = "0s", connection_timeout = "0s", tls_dir, certificate,
              key, passphrase, cafile, capath;
  std::size_t port = 4242, workers = 2, threads = 1, max_threads = 0;
  bool insecure = false;

  void declare(option_set& o) {
    o.config_flag("config-file");
    o.add("node.host", &host, "address");
    o.add("node.port", &port, 1, 65535, "port");
    o.add("node.name", &name, "name");
    o.add("node.workers", &workers, 1, 1024, "worker slots");
    o.add("node.threads", &threads, 1, 256, "compute threads per worker");
    o.add("node.data-dir", &data_dir, "data directory");
    o.add("scheduler.max-threads", &max_threads, 1, 1024, "scheduler threads");
    o.add_choice("scheduler.policy", &policy, {"stealing", "sharing"}, "policy");
    o.add_checked("middleman.heartbeat-interval", &heartbeat,
                  "a duration such as 500ms or 2s", is_timespan, "heartbeat");
    o.add_checked("middleman.connection-timeout", &connection_timeout,
                  "a duration such as 500ms or 2s", is_timespan, "silence limit");
    o.add("node.insecure", &insecure, "no TLS");
    o.add("node.tls-dir", &tls_dir, "TLS directory");
    o.add("openssl.certificate", &certificate, "certificate");
    o.add("openssl.key", &key, "key");
    o.add("openssl.passphrase", &passphrase, "passphrase");
    o.add("openssl.cafile", &cafile, "CA file");
    o.add("openssl.capath", &capath, "CA directory");
  }
};

} // namespace

bool options_input(const std::uint8_t* data, std::size_t size) {
  if (size < 1)
    return false;
  const bool node = (data[0] & 1) != 0;
  const char* text = reinterpret_cast<const char*>(data + 1);
  const std::size_t text_size = size - 1;
  const void* nul = std::memchr(text, '\0', text_size);
  const std::size_t ini_size
    = nul != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nul) - text)
                     : text_size;
  const std::string ini = put_file("options.ini", data + 1, ini_size);
  const std::string flag = node ? "--config-file=" : "--config=";

  // Arguments: one per line; a --config of the input's own is dropped so
  // that only the harness's file is read (not, say, /dev/zero).
  std::vector<std::string> args{"fuzz", flag + ini};
  if (nul != nullptr) {
    std::string rest{text + ini_size + 1, text_size - ini_size - 1};
    std::size_t start = 0;
    while (start <= rest.size() && args.size() < 64) {
      std::size_t end = rest.find('\n', start);
      if (end == std::string::npos)
        end = rest.size();
      std::string arg = rest.substr(start, end - start);
      if (arg.rfind("--config", 0) != 0)
        args.push_back(std::move(arg));
      start = end + 1;
    }
  }
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  option_set opts{node ? "caf-node" : "train_mnist", "fuzzed options"};
  train_settings t;
  node_settings n;
  if (node)
    n.declare(opts);
  else
    t.declare(opts);
  bool help = false;
  const status st = opts.parse(static_cast<int>(args.size()), argv.data(), help);
  if (opts.help().empty())
    std::abort();
  if (!st) {
    check_error(st);
    return false;
  }
  return true;
}

bool wire_input(const std::uint8_t* data, std::size_t size) {
  if (size < 3)
    return false;
  static const std::vector<std::string> names = wire::codec_names();
  const wire::codec& c = *wire::find_codec(names[data[0] % names.size()]);
  const std::size_t n = 1 + (std::size_t{data[1]} | std::size_t{data[2]} << 8) % 2048;
  std::vector<float> values(n);
  if (!c.read(reinterpret_cast<const char*>(data + 3), size - 3, n, values.data()))
    return false;
  for (float v : values)
    if (!std::isfinite(v))
      return true; // NaN payloads and infinite scales: no bitwise promise
  std::vector<char> bytes(c.bytes(values.data(), n));
  c.write(values.data(), n, bytes.data());
  std::vector<float> again(n);
  if (!c.read(bytes.data(), bytes.size(), n, again.data()))
    std::abort(); // the codec refuses its own coding
  c.round(values.data(), n);
  if (std::memcmp(again.data(), values.data(), n * sizeof(float)) != 0)
    std::abort(); // read(write(x)) is not round(x)
  return true;
}

const std::vector<target>& targets() {
  static const std::vector<target> all = {
    {"idx", idx_input},
    {"csv", csv_input},
    {"model_spec", model_spec_input},
    {"checkpoint", checkpoint_input},
    {"options", options_input},
    {"wire", wire_input},
  };
  return all;
}

} // namespace actors::fuzz
