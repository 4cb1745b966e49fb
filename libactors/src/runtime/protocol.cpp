#include "actors/runtime/protocol.hpp"

#include "actors/util/float_pool.hpp"
#include "actors/wire/codec.hpp"

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
    case runtime_errc::server_lost: return "server_lost";
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

namespace detail {

namespace {

caf::error unknown_format(std::uint8_t format) {
  return make_runtime_error(runtime_errc::bad_message,
                            "float buffer in unknown wire format "
                              + std::to_string(format));
}

// Per-thread scratch for serializers that are not CAF's binary ones: the
// middleman's thread serializes every outgoing message, so this allocates
// once per thread.
std::vector<char>& scratch(std::size_t bytes) {
  thread_local std::vector<char> buf;
  buf.resize(bytes);
  return buf;
}

caf::error malformed(const wire::codec& c, std::size_t n) {
  return make_runtime_error(runtime_errc::bad_message,
                            "float buffer is not a valid " + std::string{c.name()}
                              + " coding of " + std::to_string(n) + " values");
}

// Sets `bytes` to the size of the coding of n > 0 values in `c` that
// follows: fixed, or the length written before it. No coding takes more
// than a float and a 5-byte varint per value, plus a header.
caf::error coding_size(caf::deserializer& f, const wire::codec& c,
                       std::size_t n, std::size_t& bytes) {
  if (auto fixed = c.fixed_bytes(n)) {
    bytes = *fixed;
    return {};
  }
  std::uint32_t length = 0;
  if (auto err = f.apply(length))
    return err;
  if (length > 9 * n + 16)
    return malformed(c, n);
  bytes = length;
  return {};
}

// Writes bytes an encoder already coded, as save_floats would have written
// the values they read back as.
caf::error save_coded(caf::serializer& f, const wire::coded_values& x) {
  const wire::codec* c = wire::codec_of_format(x.format);
  if (c == nullptr)
    return unknown_format(x.format);
  std::uint8_t format = x.format;
  std::size_t n = x.count;
  if (auto err = f.apply(format))
    return err;
  if (auto err = f.begin_sequence(n))
    return err;
  if (n > 0) {
    if (!c->fixed_bytes(n)) {
      auto length = static_cast<std::uint32_t>(x.bytes.size());
      if (auto err = f.apply(length))
        return err;
    }
    // CAF's apply_raw only reads the bytes.
    if (auto err = f.apply_raw(x.bytes.size(), const_cast<char*>(x.bytes.data())))
      return err;
  }
  return f.end_sequence();
}

// A received coding of n values in `c`, its `size` bytes copied from `in`
// into this thread's buffer for them, reused once the message that held
// it is gone (as an encoder's, wire::reusable): no fresh allocation per
// message.
std::shared_ptr<const wire::coded_values> kept_bytes(const wire::codec& c, std::size_t n,
                                                     const void* in, std::size_t size) {
  thread_local std::shared_ptr<wire::coded_values> slot;
  wire::coded_values& out = wire::reusable(slot);
  out.format = c.format();
  out.count = n;
  const auto* from = static_cast<const char*>(in);
  out.bytes.assign(from, from + size);
  return slot;
}

} // namespace

caf::error save_floats(caf::serializer& f, const float_buffer& x) {
  if (x.coded)
    return save_coded(f, *x.coded);
  const wire::codec* c = wire::codec_of_format(x.format);
  if (c == nullptr)
    return unknown_format(x.format);
  std::uint8_t format = x.format;
  std::size_t n = x.values.size();
  if (auto err = f.apply(format))
    return err;
  if (auto err = f.begin_sequence(n))
    return err;
  if (n > 0) {
    const std::size_t bytes = c->bytes(x.values.data(), n);
    if (!c->fixed_bytes(n)) {
      // A coding whose size depends on the values goes after its length.
      auto length = static_cast<std::uint32_t>(bytes);
      if (auto err = f.apply(length))
        return err;
    }
    if (auto* bs = dynamic_cast<caf::binary_serializer*>(&f)) {
      // Straight into the message's buffer.
      const std::size_t at = bs->write_pos();
      bs->skip(bytes);
      c->write(x.values.data(), n, bs->buf().data() + at);
    } else {
      auto& buf = scratch(bytes);
      c->write(x.values.data(), n, buf.data());
      if (auto err = f.apply_raw(bytes, buf.data()))
        return err;
    }
  }
  return f.end_sequence();
}

caf::error load_floats(caf::deserializer& f, float_buffer& x, bool keep_blockwise) {
  std::uint8_t format = 0;
  if (auto err = f.apply(format))
    return err;
  const wire::codec* c = wire::codec_of_format(format);
  if (c == nullptr)
    return unknown_format(format);
  x.format = format;
  x.coded = nullptr;
  x.coded_bytes = 0;
  std::size_t n = 0;
  if (auto err = f.begin_sequence(n))
    return err;
  if (n > max_wire_floats)
    return make_runtime_error(runtime_errc::bad_message,
                              "float buffer of " + std::to_string(n)
                                + " values exceeds the wire limit");
  std::size_t bytes = 0;
  if (n > 0) {
    if (auto err = coding_size(f, *c, n, bytes))
      return err;
  }
  // A peer must not make us allocate more than it sent: a few bytes
  // claiming 2^28 floats would otherwise cost 1 GiB before failing.
  auto* bd = dynamic_cast<caf::binary_deserializer*>(&f);
  if (bd != nullptr && bytes > bd->remaining())
    return make_runtime_error(runtime_errc::bad_message,
                              "float buffer claims " + std::to_string(n)
                                + " values but the message holds "
                                + std::to_string(bd->remaining()) + " bytes");
  x.coded_bytes = bytes;
  if (keep_blockwise && bd != nullptr && n > 0 && c->block_values() > 0) {
    // A blockwise coding stays coded: its bytes are checked by their size
    // alone, and the receiver reads them where it uses them.
    x.coded = kept_bytes(*c, n, bd->remainder().data(), bytes);
    x.values.clear();
    bd->skip(bytes);
    return f.end_sequence();
  }
  if (x.values.capacity() < n)
    x.values = take_floats(n);
  x.values.resize(n);
  if (n > 0) {
    if (bd != nullptr) {
      // Straight from the message's buffer.
      const bool ok = c->read(
        reinterpret_cast<const char*>(bd->remainder().data()), bytes, n,
        x.values.data());
      if (!ok)
        return malformed(*c, n);
      bd->skip(bytes);
    } else {
      auto& buf = scratch(bytes);
      if (auto err = f.apply_raw(bytes, buf.data()))
        return err;
      if (!c->read(buf.data(), bytes, n, x.values.data()))
        return malformed(*c, n);
    }
  }
  return f.end_sequence();
}

} // namespace detail

float_buffer::~float_buffer() {
  give_floats(std::move(values));
}

float_buffer& float_buffer::operator=(const float_buffer& other) {
  if (this == &other)
    return *this;
  if (values.capacity() < other.values.size()) {
    give_floats(std::move(values));
    values = take_floats(other.values.size());
  }
  values.assign(other.values.begin(), other.values.end());
  format = other.format;
  coded = other.coded;
  coded_bytes = other.coded_bytes;
  return *this;
}

float_buffer& float_buffer::operator=(float_buffer&& other) noexcept {
  if (this == &other)
    return *this;
  give_floats(std::move(values));
  values = std::move(other.values);
  other.values.clear();
  format = other.format;
  coded = std::move(other.coded);
  coded_bytes = other.coded_bytes;
  return *this;
}

void float_buffer::ensure_values() {
  if (!coded)
    return;
  const auto bytes = std::move(coded);
  const wire::codec* c = wire::codec_of_format(bytes->format);
  values = take_floats(bytes->count);
  coded_bytes = bytes->bytes.size();
  if (c == nullptr
      || !c->read(bytes->bytes.data(), bytes->bytes.size(), bytes->count, values.data()))
    values.clear();
}

std::size_t float_buffer::size() const {
  return coded ? coded->count : values.size();
}

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
    .add_message_type<chunk_queue_state>("actors::chunk_queue_state")
    .add_message_type<chunk_grants>("std::vector<uint64_t>")
    .add_message_type<shard_request>("actors::shard_request")
    .add_message_type<shard_data>("actors::shard_data")
    .add_message_type<progress_msg>("actors::progress_msg")
    .add_message_type<worker_result>("actors::worker_result")
    .add_message_type<worker_job>("actors::worker_job")
    .add_message_type<ps_actor>("actors::ps_actor")
    .add_message_type<commit_order>("actors::commit_order")
    .add_message_type<metrics::byte_counts>("actors::metrics::byte_counts")
    .add_message_type<std::vector<std::uint16_t>>("std::vector<uint16_t>")
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
