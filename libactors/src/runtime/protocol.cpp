#include "actors/runtime/protocol.hpp"

#include "actors/util/half.hpp"
#include "actors/util/quantize.hpp"

namespace actors {

namespace {

constexpr caf::atom_value category = caf::atom("actors");

const char* errc_name(std::uint8_t code) {
  switch (static_cast<runtime_errc>(code)) {
    case runtime_errc::incompatible_peer: return "incompatible_peer";
    case runtime_errc::bad_message: return "bad_message";
    case runtime_errc::data_not_found: return "data_not_found";
    case runtime_errc::data_mismatch: return "data_mismatch";
    case runtime_errc::timeout: return "timeout";
    case runtime_errc::bad_job: return "bad_job";
  }
  return "unknown";
}

} // namespace

caf::error make_runtime_error(runtime_errc code, std::string what) {
  return caf::error{static_cast<std::uint8_t>(code), category,
                    caf::make_message(std::move(what))};
}

std::string describe(const caf::actor_system& sys, const caf::error& err) {
  if (err.category() == category) {
    std::string out = errc_name(err.code());
    if (err.context().match_elements<std::string>())
      out += ": " + err.context().get_as<std::string>(0);
    return out;
  }
  return sys.render(err);
}

bool parse_wire_format(const std::string& text, wire_format& out) {
  if (text == "fp32")
    out = wire_format::fp32;
  else if (text == "fp16")
    out = wire_format::fp16;
  else if (text == "int8")
    out = wire_format::int8;
  else
    return false;
  return true;
}

caf::expected<wire_format> wire_format_of(const job_spec& job) {
  wire_format out = wire_format::fp32;
  if (!parse_wire_format(job.wire, out))
    return make_runtime_error(runtime_errc::bad_job,
                              "unknown wire format '" + job.wire + "'");
  return out;
}

std::size_t wire_bytes(wire_format w, std::size_t n) {
  switch (w) {
    case wire_format::fp16: return 2 * n;
    case wire_format::int8: return int8_bytes(n);
    case wire_format::fp32: break;
  }
  return 4 * n;
}

namespace detail {

// Converted through per-thread scratch buffers: the middleman's thread
// serializes every outgoing message, so this allocates once per thread.
// int8 re-encodes the values: senders that rounded them with round_int8
// get exactly those values back at the receiver (the code is idempotent).
caf::error write_compact(caf::serializer& f, const float_buffer& x) {
  const std::size_t n = x.values.size();
  if (x.wire == wire_format::fp16) {
    thread_local std::vector<std::uint16_t> halves;
    halves.resize(n);
    floats_to_half(x.values.data(), n, halves.data());
    return f.apply_raw(n * sizeof(std::uint16_t), halves.data());
  }
  thread_local std::vector<float> scales;
  thread_local std::vector<std::int8_t> codes;
  scales.resize(int8_blocks(n));
  codes.resize(n);
  encode_int8(x.values.data(), n, scales.data(), codes.data());
  if (auto err = f.apply_raw(scales.size() * sizeof(float), scales.data()))
    return err;
  return f.apply_raw(n, codes.data());
}

caf::error read_compact(caf::deserializer& f, float_buffer& x) {
  const std::size_t n = x.values.size();
  if (x.wire == wire_format::fp16) {
    thread_local std::vector<std::uint16_t> halves;
    halves.resize(n);
    if (auto err = f.apply_raw(n * sizeof(std::uint16_t), halves.data()))
      return err;
    half_to_floats(halves.data(), n, x.values.data());
    return {};
  }
  thread_local std::vector<float> scales;
  thread_local std::vector<std::int8_t> codes;
  scales.resize(int8_blocks(n));
  codes.resize(n);
  if (auto err = f.apply_raw(scales.size() * sizeof(float), scales.data()))
    return err;
  if (auto err = f.apply_raw(n, codes.data()))
    return err;
  decode_int8(scales.data(), codes.data(), n, x.values.data());
  return {};
}

} // namespace detail

void register_wire_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<float_buffer>("actors::float_buffer")
    .add_message_type<hello_msg>("actors::hello_msg")
    .add_message_type<node_info>("actors::node_info")
    .add_message_type<job_spec>("actors::job_spec")
    .add_message_type<ps_init>("actors::ps_init")
    .add_message_type<weights_msg>("actors::weights_msg")
    .add_message_type<commit_msg>("actors::commit_msg")
    .add_message_type<commit_ack>("actors::commit_ack")
    .add_message_type<ps_stats>("actors::ps_stats")
    .add_message_type<partition_cursor>("actors::partition_cursor")
    .add_message_type<std::vector<partition_cursor>>(
      "std::vector<actors::partition_cursor>")
    .add_message_type<ps_snapshot>("actors::ps_snapshot")
    .add_message_type<shard_request>("actors::shard_request")
    .add_message_type<shard_data>("actors::shard_data")
    .add_message_type<progress_msg>("actors::progress_msg")
    .add_message_type<worker_result>("actors::worker_result")
    .add_message_type<worker_job>("actors::worker_job")
    .add_message_type<ps_actor>("actors::ps_actor")
    .add_message_type<loader_actor>("actors::loader_actor")
    .add_message_type<worker_actor>("actors::worker_actor")
    .add_message_type<std::vector<std::vector<std::uint32_t>>>(
      "std::vector<std::vector<uint32_t>>");
  cfg.add_error_category(category, [](std::uint8_t code, caf::atom_value,
                                      const caf::message& ctx) {
    std::string out = errc_name(code);
    if (ctx.match_elements<std::string>())
      out += ": " + ctx.get_as<std::string>(0);
    return out;
  });
}

} // namespace actors
