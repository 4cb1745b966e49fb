// exchange_buffers: the float_buffers of a worker's exchange streams filled
// from its codec streams' encoders (wire/codec.hpp), and the bytes one
// takes on the link.
//
// A sender codes each message once. An encoder that codes its messages
// itself (error feedback commits and view deltas of int8, sign and topk)
// writes the codec's bytes straight into a buffer it reuses from message to
// message, and the float_buffer carries those bytes: the serializer copies
// them instead of coding the rounded values a second time, and no
// model-sized float vector is made for the message. Other encoders (fp32,
// fp16, and whole centres) stamp values that the serializer codes, as
// before. The bytes on the wire are the same either way.
//
// Worker and server call these from their own actor, one stream each:
// not thread-safe per encoder; the buffers they share with messages in
// flight are reused only once no message holds them (wire::reusable).
#pragma once

#include <cstddef>
#include <vector>

#include "actors/runtime/protocol.hpp"
#include "actors/wire/codec.hpp"

namespace actors {

/// Sets `out` to the commit payload of `payload` on a link whose commit
/// stream `commits` sends: the bytes it codes itself (`payload` left as it
/// was, for the caller to reuse), or the payload stamped for the wire to
/// code (moved from `payload`).
void put_commit(wire::commit_encoder& commits, std::vector<float>& payload,
                float_buffer& out);

/// As put_commit, for the n values at `payload` (a shard's range of a
/// payload): coded from there, or copied into `out`'s values.
void put_commit(wire::commit_encoder& commits, const float* payload, std::size_t n,
                float_buffer& out);

/// Sets `out` to what the centre stream `centres` sends for `centre`
/// (whole, or the change since the worker's copy when `want_delta` and the
/// encoder keeps one, as centre_encoder::encode) and returns whether it is
/// a delta.
bool put_centre(wire::centre_encoder& centres, const std::vector<float>& centre,
                bool want_delta, float_buffer& out);

/// Bytes `b`'s values take on a link: its coded bytes (a sender's, or
/// what a receiver's deserializer read), or its values in the codec its
/// format names; fp32's size when `remote` is false (nothing is serialized
/// within a node, and the report counts those at fp32's size).
std::size_t link_bytes(const float_buffer& b, bool remote);

} // namespace actors
