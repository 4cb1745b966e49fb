#include "actors/nn/model_io.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "actors/nn/model_spec.hpp"
#include "actors/util/coding.hpp"
#include "actors/util/file.hpp"

namespace actors {

namespace {

constexpr const char* magic_line = "actors-model 1";


} // namespace

status save_model(const model& m, const std::string& path) {
  // The weights as little-endian float32, whatever the host's byte order.
  std::string weights;
  put_floats(weights, m.params(), m.param_count());
  std::string header = std::string{magic_line} + "\n" + m.spec()
                       + fmt::format("weights count={} crc32={:08x}\n",
                                     m.param_count(),
                                     crc32_of(weights.data(), weights.size()));
  return replace_file(path, {header, weights});
}

result<model> load_model(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return status::not_found(path + ": cannot open model file");
  std::string line;
  if (!std::getline(in, line) || line != magic_line)
    return status::corruption(path + ": not a model file (line 1 must be '"
                              + magic_line + "')");
  std::string spec;
  std::size_t line_no = 1;
  std::size_t count = 0;
  unsigned long crc = 0;
  bool have_weights = false;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.rfind("weights ", 0) == 0) {
      char tail = 0;
      if (std::sscanf(line.c_str(), "weights count=%zu crc32=%lx%c", &count,
                      &crc, &tail)
          != 2)
        return status::corruption(fmt::format(
          "{}:{}: expected 'weights count=N crc32=HEX', got '{}'", path,
          line_no, line));
      have_weights = true;
      break;
    }
    spec += line + "\n";
  }
  if (!have_weights)
    return status::corruption(path + ": truncated: no 'weights' line");
  auto m = parse_model_spec(spec, path);
  if (!m)
    return m.error();
  if (m->param_count() != count)
    return status::corruption(fmt::format(
      "{}: header says {} weights but the architecture has {}", path, count,
      m->param_count()));
  const std::size_t bytes = count * sizeof(float);
  std::string weights(bytes, '\0');
  in.read(weights.data(), static_cast<std::streamsize>(bytes));
  if (static_cast<std::size_t>(in.gcount()) != bytes)
    return status::corruption(fmt::format(
      "{}: truncated: {} of {} weight bytes present", path, in.gcount(), bytes));
  if (in.peek() != std::char_traits<char>::eof())
    return status::corruption(path + ": trailing bytes after the weights");
  if (crc32_of(weights.data(), bytes) != crc)
    return status::corruption(path + ": weight checksum mismatch (file corrupt)");
  decode_floats(weights.data(), count, m->params());
  return m;
}

} // namespace actors
