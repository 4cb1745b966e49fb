// Model specs: a small line-oriented text format for sequential models.
//
//   # comment
//   input height=28 width=28 channels=1
//   conv2d filters=32 kernel=3 padding=valid activation=relu
//   maxpool2d pool=2
//   flatten
//   dropout rate=0.5
//   dense units=10 activation=softmax
//
// One layer per line, `key=value` options, the input shape first. Keras's
// `activation=` on conv2d/dense may be linear, relu or softmax (softmax
// becomes a separate softmax layer). Files live under config/models/; the
// two models of the mission are also built in by name.
#pragma once

#include <string>
#include <vector>

#include "actors/nn/model.hpp"
#include "actors/util/status.hpp"

namespace actors {

/// Parses spec text; errors name `source` and the line. Parameters are zero.
result<model> parse_model_spec(const std::string& text,
                               const std::string& source);

/// Spec text of a built-in model ("mnist_cnn", "mnist_mlp"), or empty.
std::string builtin_model_spec(const std::string& name);

/// Names of the built-in models.
std::vector<std::string> builtin_model_names();

/// A built-in model by name, or else a spec file at that path.
result<model> make_model(const std::string& name_or_path);

} // namespace actors
