#include "actors/nn/model.hpp"

#include <algorithm>

#include "actors/nn/model_spec.hpp"
#include "actors/nn/softmax.hpp"
#include "actors/util/rng.hpp"
#include "actors/util/thread_pool.hpp"

namespace actors {

namespace {

// Fills in a serial pool and a fixed rng when the caller gave none, so a
// bare step_context{} works (tests, one-off predictions).
struct context_guard {
  explicit context_guard(step_context& ctx) : ctx_(ctx), saved_(ctx) {
    if (!ctx.pool) {
      serial_ = std::make_unique<thread_pool>(1);
      ctx.pool = serial_.get();
    }
    if (!ctx.random) {
      random_ = std::make_unique<rng>(0);
      ctx.random = random_.get();
    }
  }
  ~context_guard() { ctx_ = saved_; }
  step_context& ctx_;
  step_context saved_;
  std::unique_ptr<thread_pool> serial_;
  std::unique_ptr<rng> random_;
};

// Bounds for architectures read from spec files: they keep every size
// computation below in range and stop a hostile or mistyped spec from
// allocating unbounded memory. Values per sample of any layer's input or
// output (1 GiB of float32), and parameters of a model (512 MiB of float32;
// the mission's models have about a million).
constexpr std::size_t max_values_per_sample = std::size_t{1} << 28;
constexpr std::size_t max_params = std::size_t{1} << 27;

/// h * w * c, or false when that overflows or exceeds max_values_per_sample.
bool bounded_size(const shape3& s, std::size_t& size) {
  return !__builtin_mul_overflow(s.h, s.w, &size)
         && !__builtin_mul_overflow(size, s.c, &size)
         && size <= max_values_per_sample;
}

std::string shape_text(const shape3& s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

} // namespace

model::model() = default;
model::model(model&&) noexcept = default;
model& model::operator=(model&&) noexcept = default;
model::~model() = default;

result<model> model::build(shape3 input,
                           std::vector<std::unique_ptr<layer>> layers) {
  if (layers.empty())
    return status::invalid_argument("model: no layers");
  std::size_t values = 0;
  if (!bounded_size(input, values))
    return status::invalid_argument(
      "model: input " + shape_text(input) + " has more than "
      + std::to_string(max_values_per_sample) + " values per sample");
  if (values == 0)
    return status::invalid_argument("model: empty input shape");
  model m;
  m.input_ = input;
  shape3 shape = input;
  std::size_t count = 0;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string name = "layer " + std::to_string(i + 1) + " ("
                             + layers[i]->kind() + ")";
    auto out = layers[i]->configure(shape);
    if (!out)
      return status::invalid_argument(name + ": " + out.error().message());
    shape = *out;
    if (!bounded_size(shape, values) || values == 0)
      return status::invalid_argument(
        name + ": output " + shape_text(shape) + " is empty or has more than "
        + std::to_string(max_values_per_sample) + " values per sample");
    // Each layer's own count cannot overflow given bounded shapes (and
    // conv2d's bounded patch), so the sum is checked against the limit.
    const std::size_t layer_params = layers[i]->param_count();
    if (layer_params > max_params - count)
      return status::invalid_argument(
        name + ": the model would have more than " + std::to_string(max_params)
        + " parameters");
    count += layer_params;
  }
  m.layers_ = std::move(layers);
  m.params_.assign(count, 0.0f);
  m.grads_.assign(count, 0.0f);
  m.outputs_.resize(m.layers_.size());
  m.doutputs_.resize(m.layers_.size());
  m.bind_all();
  return m;
}

void model::bind_all() {
  std::size_t offset = 0;
  for (auto& l : layers_) {
    l->bind(params_.data() + offset, grads_.data() + offset);
    offset += l->param_count();
  }
}

model model::clone() const {
  auto copy = parse_model_spec(spec(), "<clone>");
  // The spec came from a valid model, so parsing cannot fail.
  model m = std::move(copy.value());
  m.params_ = params_;
  return m;
}

void model::init(std::uint64_t seed) {
  rng random{seed};
  for (auto& l : layers_)
    l->init(random);
}

shape3 model::output_shape() const {
  return layers_.empty() ? input_ : layers_.back()->output_shape();
}

std::string model::spec() const {
  std::string out = "input height=" + std::to_string(input_.h)
                    + " width=" + std::to_string(input_.w)
                    + " channels=" + std::to_string(input_.c) + "\n";
  for (auto& l : layers_)
    out += l->spec() + "\n";
  return out;
}

bool model::ends_in_softmax() const {
  return !layers_.empty() && layers_.back()->kind() == "softmax";
}

double model::train_flops_per_sample() const {
  double total = 0;
  bool seen_params = false;
  for (auto& l : layers_) {
    // Layers before the first trainable one need no input gradient.
    total += l->forward_flops() + l->backward_flops(seen_params);
    seen_params = seen_params || l->param_count() > 0;
  }
  return total;
}

void model::ensure_capacity(std::size_t n) {
  if (n <= capacity_)
    return;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (layers_[i]->is_view())
      continue;
    outputs_[i].resize(n * layers_[i]->output_shape().size());
    doutputs_[i].resize(n * layers_[i]->output_shape().size());
  }
  capacity_ = n;
}

const float* model::predict(const float* x, std::size_t n, step_context& ctx) {
  context_guard guard{ctx};
  ctx.training = false;
  ensure_capacity(n);
  const float* cur = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (layers_[i]->is_view())
      continue;
    layers_[i]->forward(cur, outputs_[i].data(), n, ctx);
    cur = outputs_[i].data();
  }
  return cur;
}

loss_result model::train_step(const float* x, const float* targets,
                              std::size_t n, step_context& ctx) {
  context_guard guard{ctx};
  ctx.training = true;
  ensure_capacity(n);
  const std::size_t count = layers_.size();
  // in[i]/out[i]/dout[i]: buffers around layer i; views alias their input.
  std::vector<const float*> in(count);
  std::vector<float*> out(count);
  std::vector<float*> dout(count);
  const float* cur = x;
  float* dcur = nullptr;
  for (std::size_t i = 0; i < count; ++i) {
    in[i] = cur;
    if (layers_[i]->is_view()) {
      out[i] = const_cast<float*>(cur);
      dout[i] = dcur;
    } else {
      out[i] = outputs_[i].data();
      dout[i] = doutputs_[i].data();
    }
    cur = out[i];
    dcur = dout[i];
  }
  std::size_t first_trainable = count;
  for (std::size_t i = 0; i < count; ++i)
    if (layers_[i]->param_count() > 0) {
      first_trainable = i;
      break;
    }
  // Forward up to the logits; the softmax is fused with the loss.
  for (std::size_t i = 0; i + 1 < count; ++i)
    if (!layers_[i]->is_view())
      layers_[i]->forward(in[i], out[i], n, ctx);
  const std::size_t classes = layers_.back()->output_shape().size();
  float* dlogits = count >= 2 ? dout[count - 2] : nullptr;
  auto res = softmax_cross_entropy(in[count - 1], targets, n, classes,
                                   out[count - 1], dlogits);
  if (count < 2)
    return res;
  for (std::size_t i = count - 1; i-- > first_trainable;) {
    if (layers_[i]->is_view())
      continue;
    float* dx = i > first_trainable ? dout[i - 1] : nullptr;
    layers_[i]->backward(in[i], out[i], dout[i], dx, n, ctx);
  }
  return res;
}

} // namespace actors
