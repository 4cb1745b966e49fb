#include "actors/wire/codec.hpp"

namespace actors::wire {

namespace {

// Payloads as they are, stamped with the codec; the wire rounds them.
class whole_commits final : public commit_encoder {
public:
  explicit whole_commits(const codec& c) : format_(c.format()) {}

  std::uint8_t encode(std::vector<float>&) override { return format_; }

private:
  std::uint8_t format_;
};

// Whole centres, stamped with the codec; the wire rounds them.
class whole_centres final : public centre_encoder {
public:
  explicit whole_centres(const codec& c) : format_(c.format()) {}

  stamp encode(const std::vector<float>& centre, bool,
               std::vector<float>& out) override {
    out = centre;
    return {format_, false};
  }

  void reset() override {}

private:
  std::uint8_t format_;
};

class feedback_commits final : public commit_encoder {
public:
  explicit feedback_commits(const codec& c) : codec_(c) {}

  std::uint8_t encode(std::vector<float>& payload) override {
    const std::size_t n = payload.size();
    residual_.resize(n, 0.0f);
    for (std::size_t i = 0; i < n; ++i)
      payload[i] += residual_[i];
    rounded_ = payload;
    codec_.round(rounded_.data(), n);
    for (std::size_t i = 0; i < n; ++i)
      residual_[i] = payload[i] - rounded_[i];
    payload.swap(rounded_);
    return codec_.format();
  }

  const std::vector<float>* residual() const override { return &residual_; }

private:
  const codec& codec_;
  // The rounding error carried to the next commit; scratch for the rounded
  // payload.
  std::vector<float> residual_, rounded_;
};

class view_centres final : public centre_encoder {
public:
  explicit view_centres(const codec& c) : codec_(c) {}

  stamp encode(const std::vector<float>& centre, bool want_delta,
               std::vector<float>& out) override {
    const stamp whole{exact_codec().format(), false};
    if (!want_delta) {
      out = centre;
      return whole;
    }
    if (view_.size() != centre.size()) {
      view_ = centre;
      out = centre;
      return whole;
    }
    const std::size_t n = centre.size();
    out.resize(n);
    for (std::size_t i = 0; i < n; ++i)
      out[i] = centre[i] - view_[i];
    codec_.round(out.data(), n);
    for (std::size_t i = 0; i < n; ++i)
      view_[i] += out[i];
    return {codec_.format(), true};
  }

  void reset() override { view_.clear(); }

  const std::vector<float>* view() const override { return &view_; }

private:
  const codec& codec_;
  // The worker's copy of the centre; empty until its first whole centre.
  std::vector<float> view_;
};

} // namespace

bool centre_decoder::decode(std::vector<float>& values, bool delta) {
  if (!delta) {
    centre_.swap(values);
    return true;
  }
  if (values.size() != centre_.size())
    return false;
  for (std::size_t i = 0; i < values.size(); ++i)
    centre_[i] += values[i];
  return true;
}

std::size_t codec::bytes(const float*, std::size_t n) const {
  return fixed_bytes(n).value_or(0);
}

std::string codec::syntax() const {
  return std::string{name()};
}

const codec* codec::with_parameter(std::string_view) const {
  return nullptr;
}

std::unique_ptr<commit_encoder> codec::make_commit_encoder() const {
  return std::make_unique<whole_commits>(*this);
}

std::unique_ptr<centre_encoder> codec::make_centre_encoder() const {
  return std::make_unique<whole_centres>(*this);
}

centre_decoder codec::make_centre_decoder() const {
  return centre_decoder{false};
}

std::unique_ptr<commit_encoder> feedback_codec::make_commit_encoder() const {
  return error_feedback_commits(*this);
}

std::unique_ptr<centre_encoder> feedback_codec::make_centre_encoder() const {
  return delta_centres(*this);
}

centre_decoder feedback_codec::make_centre_decoder() const {
  return centre_decoder{true};
}

std::unique_ptr<commit_encoder> error_feedback_commits(const codec& c) {
  return std::make_unique<feedback_commits>(c);
}

std::unique_ptr<centre_encoder> delta_centres(const codec& c) {
  return std::make_unique<view_centres>(c);
}

} // namespace actors::wire
