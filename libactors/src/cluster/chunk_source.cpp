#include "actors/cluster/chunk_source.hpp"

namespace actors {

void chunk_source::grant(const std::vector<std::uint64_t>& chunks) {
  held_.insert(held_.end(), chunks.begin(), chunks.end());
}

void chunk_source::replied(const std::vector<std::uint64_t>& grants) {
  if (in_flight_) {
    in_flight_ = false;
    ++completed_;
  }
  grant(grants);
}

chunk_step chunk_source::next() {
  chunk_step out;
  if (!current_ && !held_.empty()) {
    current_ = held_.front();
    held_.pop_front();
    trained_ = 0;
  }
  if (!current_) {
    out.kind = in_flight_ ? chunk_step::wait : chunk_step::finished;
    return out;
  }
  const auto span = span_of(plan_, *current_);
  out.chunk = *current_;
  out.epoch = span.epoch;
  if (trained_ < span.batches) {
    out.kind = chunk_step::train;
    out.batch = span.first_batch + trained_++;
    return out;
  }
  if (in_flight_) {
    out.kind = chunk_step::wait;
    return out;
  }
  out.kind = chunk_step::commit;
  in_flight_ = true;
  current_.reset();
  return out;
}

} // namespace actors
