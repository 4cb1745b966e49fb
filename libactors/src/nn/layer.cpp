#include "actors/nn/layer.hpp"

namespace actors {

layer::~layer() = default;

} // namespace actors
