#include "actors/nn/layer.hpp"

#include <utility>

namespace actors {

layer::layer(std::string spec) : spec_(std::move(spec)) {
}

layer::~layer() = default;

result<shape3> layer::configure(shape3 input) {
  in_ = input;
  auto out = output_for(input);
  if (out)
    out_ = *out;
  return out;
}

} // namespace actors
