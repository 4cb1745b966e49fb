#include "actors/nn/model_spec.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "actors/nn/conv2d.hpp"
#include "actors/nn/dense.hpp"
#include "actors/nn/dropout.hpp"
#include "actors/nn/flatten.hpp"
#include "actors/nn/max_pool2d.hpp"
#include "actors/nn/relu.hpp"
#include "actors/nn/softmax.hpp"

namespace actors {

namespace {

// The seed's model: dist-keras examples/mnist.py (1,048,853 parameters).
constexpr const char* mnist_cnn_spec = R"(# dist-keras examples/mnist.py: the seed's model, 1,048,853 parameters.
input height=28 width=28 channels=1
conv2d filters=32 kernel=3 padding=valid activation=relu
conv2d filters=32 kernel=3 padding=valid activation=relu
maxpool2d pool=2
flatten
dense units=225 activation=relu
dense units=10 activation=softmax
)";

// dist-keras's notebook MLP: 784-1000-250-10 (1,037,760 parameters).
constexpr const char* mnist_mlp_spec = R"(# dist-keras notebook MLP: 784-1000-250-10, 1,037,760 parameters.
input height=28 width=28 channels=1
flatten
dense units=1000 activation=relu
dense units=250 activation=relu
dense units=10 activation=softmax
)";

struct line_parser {
  const std::string& source;
  std::size_t line_no;
  std::map<std::string, std::string> options;

  status error(const std::string& what) const {
    return status::invalid_argument(
      fmt::format("{}:{}: {}", source, line_no, what));
  }

  // Reads a positive integer option; `fallback` < 0 means required.
  status integer(const std::string& key, long fallback, std::size_t& out) {
    auto it = options.find(key);
    if (it == options.end()) {
      if (fallback < 0)
        return error("missing option '" + key + "'");
      out = static_cast<std::size_t>(fallback);
      return status::ok();
    }
    const char* begin = it->second.c_str();
    char* end = nullptr;
    errno = 0;
    long value = std::strtol(begin, &end, 10);
    if (end == begin || *end != '\0' || errno != 0 || value <= 0
        || value > (1L << 24))
      return error("option '" + key + "' expects a positive integer, got '"
                   + it->second + "'");
    out = static_cast<std::size_t>(value);
    options.erase(it);
    return status::ok();
  }

  status word(const std::string& key, const std::string& fallback,
              std::string& out) {
    auto it = options.find(key);
    if (it == options.end()) {
      out = fallback;
      return status::ok();
    }
    out = it->second;
    options.erase(it);
    return status::ok();
  }

  status finish() const {
    if (!options.empty())
      return error("unknown option '" + options.begin()->first + "'");
    return status::ok();
  }

  // Reads the rest of the line, key=value words, into `options`.
  status read_options(std::istringstream& words) {
    for (std::string tok; words >> tok;) {
      auto eq = tok.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == tok.size())
        return error("expected key=value, got '" + tok + "'");
      if (!options.emplace(tok.substr(0, eq), tok.substr(eq + 1)).second)
        return error("option '" + tok.substr(0, eq) + "' given twice");
    }
    return status::ok();
  }

  // Reads option 'activation': linear (the default), relu or softmax.
  status activation_word(std::string& out) {
    if (auto st = word("activation", "linear", out); !st)
      return st;
    if (out != "linear" && out != "relu" && out != "softmax")
      return error("option 'activation' expects linear, relu or softmax, got '"
                   + out + "'");
    return status::ok();
  }
};

// The activation a conv2d or dense layer applies itself (softmax is a layer
// of its own, appended after it).
activation fused(const std::string& act_name) {
  return act_name == "relu" ? activation::relu : activation::linear;
}

// A dropout line's layer, from its option 'rate' in [0, 1).
status add_dropout(line_parser& p, std::vector<std::unique_ptr<layer>>& layers) {
  std::string rate_text;
  if (status st; !(st = p.word("rate", "", rate_text)) || !(st = p.finish()))
    return st;
  char* end = nullptr;
  const float rate = std::strtof(rate_text.c_str(), &end);
  if (rate_text.empty() || *end != '\0' || !(rate >= 0.0f && rate < 1.0f))
    return p.error("option 'rate' expects a number in [0, 1), got '"
                   + rate_text + "'");
  layers.push_back(std::make_unique<dropout>(rate));
  return status::ok();
}

// Appends what one line of kind `kind` (any but input) describes: its layer,
// then a softmax layer where it says activation=softmax.
status add_layer(const std::string& kind, line_parser& p,
                 std::vector<std::unique_ptr<layer>>& layers) {
  std::string act_name = "linear";
  status st;
  if (kind == "conv2d") {
    std::size_t filters = 0, kernel = 0;
    std::string padding;
    if (!(st = p.integer("filters", -1, filters))
        || !(st = p.integer("kernel", -1, kernel))
        || !(st = p.word("padding", "valid", padding))
        || !(st = p.activation_word(act_name)) || !(st = p.finish()))
      return st;
    if (padding != "valid" && padding != "same")
      return p.error("option 'padding' expects valid or same, got '" + padding
                     + "'");
    layers.push_back(std::make_unique<conv2d>(filters, kernel,
                                              padding == "same", fused(act_name)));
  } else if (kind == "dense") {
    std::size_t units = 0;
    if (!(st = p.integer("units", -1, units)) || !(st = p.activation_word(act_name))
        || !(st = p.finish()))
      return st;
    layers.push_back(std::make_unique<dense>(units, fused(act_name)));
  } else if (kind == "maxpool2d") {
    std::size_t pool = 0;
    if (!(st = p.integer("pool", 2, pool)) || !(st = p.finish()))
      return st;
    layers.push_back(std::make_unique<max_pool2d>(pool));
  } else if (kind == "flatten" || kind == "relu" || kind == "softmax") {
    if (!(st = p.finish()))
      return st;
    if (kind == "flatten")
      layers.push_back(std::make_unique<flatten>());
    else if (kind == "relu")
      layers.push_back(std::make_unique<relu>());
    else
      layers.push_back(std::make_unique<softmax>());
  } else if (kind == "dropout") {
    if (!(st = add_dropout(p, layers)))
      return st;
  } else {
    return p.error("unknown layer '" + kind
                   + "' (expected input, conv2d, dense, maxpool2d, flatten, "
                     "dropout, relu or softmax)");
  }
  if (act_name == "softmax")
    layers.push_back(std::make_unique<softmax>());
  return status::ok();
}

} // namespace

std::string builtin_model_spec(const std::string& name) {
  if (name == "mnist_cnn")
    return mnist_cnn_spec;
  if (name == "mnist_mlp")
    return mnist_mlp_spec;
  return {};
}

std::vector<std::string> builtin_model_names() {
  return {"mnist_cnn", "mnist_mlp"};
}

result<model> parse_model_spec(const std::string& text,
                               const std::string& source) {
  std::istringstream in{text};
  std::string raw;
  std::size_t line_no = 0;
  bool have_input = false;
  shape3 input;
  std::vector<std::unique_ptr<layer>> layers;
  while (std::getline(in, raw)) {
    ++line_no;
    if (auto hash = raw.find('#'); hash != std::string::npos)
      raw.erase(hash);
    std::istringstream words{raw};
    std::string kind;
    if (!(words >> kind))
      continue;
    line_parser p{source, line_no, {}};
    if (auto st = p.read_options(words); !st)
      return st;
    if (kind != "input" && !have_input)
      return p.error("the first line must be 'input height=H width=W channels=C'");
    status st;
    if (kind == "input") {
      if (have_input)
        return p.error("'input' given twice");
      if (!(st = p.integer("height", -1, input.h))
          || !(st = p.integer("width", -1, input.w))
          || !(st = p.integer("channels", 1, input.c)) || !(st = p.finish()))
        return st;
      have_input = true;
    } else if (!(st = add_layer(kind, p, layers))) {
      return st;
    }
  }
  if (!have_input)
    return status::invalid_argument(source + ": no 'input' line");
  if (layers.empty())
    return status::invalid_argument(source + ": no layers");
  auto built = model::build(input, std::move(layers));
  if (!built)
    return status::invalid_argument(source + ": " + built.error().message());
  return built;
}

result<model> make_model(const std::string& name_or_path) {
  if (auto text = builtin_model_spec(name_or_path); !text.empty())
    return parse_model_spec(text, name_or_path);
  std::ifstream file{name_or_path};
  if (!file) {
    std::string known;
    for (auto& n : builtin_model_names())
      known += (known.empty() ? "" : ", ") + n;
    return status::not_found("model '" + name_or_path
                             + "': neither a built-in model (" + known
                             + ") nor a readable spec file");
  }
  std::stringstream buf;
  buf << file.rdbuf();
  return parse_model_spec(buf.str(), name_or_path);
}

} // namespace actors
