// codec: how model-sized float vectors cross the network between workers
// and their parameter server, one interface for every format (fp32, fp16,
// int8, sign, topk; one file each in src/wire/, listed in
// src/wire/registry.cpp).
//
// A codec has a stateless part, the byte coding (how many bytes n values
// take, writing them little-endian, reading them back, and the exact
// rounding a value undergoes on that trip), which float_buffer's inspect
// (runtime/protocol) uses, and a stateful part made of one object per
// stream, as PyTorch's c10d communication hooks keep theirs:
//
//   stream                  sender (encoder)               receiver (decoder)
//   commits, worker->server commit_encoder: e.g. error     nothing: the server adds
//                           feedback (keeps its rounding   what it reads
//                           error for the next commit)
//   centres, server->worker centre_encoder, one per        centre_decoder: the
//                           worker: e.g. the worker's      worker's copy of the
//                           copy as the server knows it    centre
//                           (its view), to send deltas
//
// Encoders round on the sender so that the sender knows exactly what the
// receiver reads: both sides' state stays bit-identical. Those that round
// (error feedback, view deltas) can also code a message once, straight to
// its bytes (encode_coded): the rounded values they keep for their state
// are then decoded from those bytes, and float_buffer carries the bytes, so
// the serializer does not code the values again. Whole models
// outside these streams (a worker's first centre, the final model,
// checkpoints) go in the exact codec, fp32. Actors on one node exchange
// messages without serializing them, so a worker whose server is on its own
// node uses the exact codec (codec_for_link) and nothing is rounded.
//
// Most codings take a fixed number of bytes for n values; top-k's depends on
// the values (how many are non-zero, how far apart), so it travels after
// its own length (fixed_bytes() is empty; float_buffer writes the length).
//
// Codecs are immutable and live as long as the program, safe from any
// thread (a parameterised one, "topk:R", is made once per R on first use);
// encoders and decoders belong to one actor each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace actors::wire {

/// What an encoder says about the values it produced.
struct stamp {
  /// The format byte of the codec the values travel in.
  std::uint8_t format = 0;
  /// The values are the change since the receiver's copy, to be added to it.
  bool delta = false;
};

/// n values in a codec's bytes, written once by a sender's encoder: what a
/// float_buffer carries instead of values when the encoder codes them
/// itself (runtime/protocol: the serializer then copies the bytes, it does
/// not code the values a second time).
struct coded_values {
  /// The format byte of the codec that wrote `bytes`.
  std::uint8_t format = 0;
  /// How many values `bytes` hold.
  std::size_t count = 0;
  /// The codec's bytes for them: codec::write's output.
  std::vector<char> bytes;
};

/// The coded_values in `slot` to write a new message into: the one there if
/// no message holds it any more (`slot` is its only owner), else a new one
/// put in `slot`. A sender keeps its slot, so a stream of messages reuses
/// one buffer (no fresh allocation and page faults per message) whenever
/// the previous message was sent and dropped before the next is made.
coded_values& reusable(std::shared_ptr<coded_values>& slot);

/// Reads `bytes`, a blockwise coding (codec::block_values), a cache-sized
/// run at a time: each(first, count, run) for consecutive runs, `run`
/// holding values [first, first + count) as codec::read reads them;
/// stops early when `each` returns false. False when the coding is not
/// blockwise, its bytes are not a coding of their count, or `each`
/// returned false.
bool read_runs(const coded_values& bytes,
               const std::function<bool(std::size_t, std::size_t, const float*)>& each);

/// Whether `bytes` is a coding of its count in the codec its format byte
/// names and every value it reads as is finite: that codec's
/// codec::finite, from the bytes, without decoding the values where the
/// coding allows (a server's check of a commit kept coded, before the one
/// pass that applies it). False for an unknown format. The coded
/// counterpart of util/finite's all_finite.
bool all_finite(const coded_values& bytes);

/// Sender state of a stream of commits (worker -> server).
class commit_encoder {
public:
  virtual ~commit_encoder() = default;

  /// Replaces `payload` by the values the server will read (or by values
  /// the wire rounds on its own) and returns the format byte to send in.
  virtual std::uint8_t encode(std::vector<float>& payload) = 0;

  /// As encode(), but writes the n values at `payload` straight into the
  /// bytes the server reads, once, and returns them (in a buffer this
  /// encoder reuses once no message holds it; `payload` is left as it
  /// was). State moves exactly as encode() would move it, and the bytes
  /// are those the wire would write for encode()'s values. nullptr (state
  /// untouched) for encoders that leave the coding to the wire: send the
  /// payload through encode() then. Default: nullptr.
  virtual std::shared_ptr<const coded_values> encode_coded(const float* payload,
                                                           std::size_t n);

  /// What it has not sent yet (error feedback: added to the next payload);
  /// nullptr if it keeps nothing.
  virtual const std::vector<float>* residual() const { return nullptr; }
};

/// Sender state of the stream of centres to one worker (server -> worker).
class centre_encoder {
public:
  virtual ~centre_encoder() = default;

  /// Sets `out` to what to send for `centre`: the whole centre, or, when the
  /// receiver asks for deltas (`want_delta`) and this encoder knows its
  /// copy, the change since the last one.
  virtual stamp encode(const std::vector<float>& centre, bool want_delta,
                       std::vector<float>& out) = 0;

  /// As encode(), but a message this encoder codes itself (a delta) goes
  /// as its bytes, written once, in `coded` (a buffer it reuses once no
  /// message holds it), `out` left alone; otherwise `coded` is set to
  /// nullptr and `out` as encode() sets it. State moves exactly as
  /// encode() would move it. Default: encode(), `coded` nullptr.
  virtual stamp encode_coded(const std::vector<float>& centre, bool want_delta,
                             std::vector<float>& out,
                             std::shared_ptr<const coded_values>& coded);

  /// Forgets the receiver's copy (a replaced worker): the next centre it
  /// asks a delta for goes whole.
  virtual void reset() = 0;

  /// The receiver's copy as this encoder knows it; nullptr if it keeps none.
  virtual const std::vector<float>* view() const { return nullptr; }
};

/// Receiver state of a stream of centres: the worker's copy of the centre.
class centre_decoder {
public:
  explicit centre_decoder(bool wants_deltas = false) : wants_deltas_(wants_deltas) {}

  /// Whether this receiver asks the server for deltas.
  bool wants_deltas() const { return wants_deltas_; }

  /// Takes a message's values: a whole centre replaces the copy (`values`
  /// is left holding the old one), a delta is added to it. False, copy
  /// unchanged, when a delta does not fit the copy.
  bool decode(std::vector<float>& values, bool delta);

  /// As decode(), from a message's bytes, `delta` as the message says: a
  /// delta in a blockwise coding (codec::block_values) is added to the
  /// copy a run at a time straight from the bytes, the same floats as
  /// decoding it first; anything else is decoded whole, then taken as
  /// decode() takes it. False, copy unchanged, when the bytes are not a
  /// coding of their count or a delta does not fit the copy.
  bool decode_coded(const coded_values& bytes, bool delta);

  /// The centre as last received (empty before the first one).
  const std::vector<float>& centre() const { return centre_; }

private:
  std::vector<float> centre_;
  bool wants_deltas_;
};

/// A wire format: the byte coding, and the encoders and decoder its
/// streams use.
class codec {
public:
  virtual ~codec() = default;

  /// The name in job specs and options ("fp32", "fp16", "int8", "sign",
  /// "topk", "topk:0.001").
  virtual std::string_view name() const = 0;

  /// The byte that names this coding in a float_buffer; unique but for the
  /// parameters of one codec (every "topk:R" reads every other's bytes).
  virtual std::uint8_t format() const = 0;

  /// Bytes that any n values take; empty when that depends on the values.
  virtual std::optional<std::size_t> fixed_bytes(std::size_t n) const = 0;

  /// Bytes that write takes for these n values. Default: fixed_bytes(n).
  virtual std::size_t bytes(const float* values, std::size_t n) const;

  /// Writes n values as bytes(values, n) bytes at `out`.
  virtual void write(const float* values, std::size_t n, char* out) const = 0;

  /// Sets `out` to write's bytes for the n values (resized, its capacity
  /// reused). Default: bytes() then write(); a codec whose bytes() costs a
  /// pass of its own (topk's selection) does both in one.
  virtual void write_to(const float* values, std::size_t n,
                        std::vector<char>& out) const;

  /// Reads n values from the `size` bytes at `in`. False when they are not
  /// a coding of n values (wrong size, an index out of range, a cut varint,
  /// bytes left over); `values` is then unspecified.
  virtual bool read(const char* in, std::size_t size, std::size_t n,
                    float* values) const = 0;

  /// Replaces each value by what write and read give back: the exact
  /// rounding a value undergoes. Idempotent.
  virtual void round(float* values, std::size_t n) const = 0;

  /// True iff read() accepts the `size` bytes at `in` as n values and every
  /// value it reads is finite (neither an infinity nor a NaN): exactly
  /// read() then all_finite (util/finite), but from the bytes, without
  /// decoding values where the coding tells without. fp32, fp16: no
  /// value's exponent bits all ones; int8: each block's scale, its codes
  /// only under a scale above FLT_MAX / 128 (util/quantize's int8_finite
  /// states the condition); sign: every block's scale; topk: the kept
  /// values (and the count and indices, as read() checks them).
  /// Default: read() into a vector of n, then all_finite.
  virtual bool finite(const char* in, std::size_t size, std::size_t n) const;

  /// B > 0 when the coding is one of blocks of B values whose bytes depend
  /// on their block's values only, at places fixed by n (fixed_bytes(n)
  /// holds): then write_run and read_run code a run of whole blocks, so
  /// that an encoder codes a model-sized vector a cache-sized run at a
  /// time, each run's values read once, instead of a pass over all n per
  /// step. 0 (default): coded whole only.
  virtual std::size_t block_values() const { return 0; }

  /// With block_values() = B > 0: writes the bytes of values [first, first
  /// + count) of a coding of n values, given at `run`, at their places in
  /// `out` (fixed_bytes(n) bytes); `first` a multiple of B, `count` one too
  /// unless the run ends at n. The runs of 0..n together write the bytes
  /// write() does. Default: nothing (B = 0 never calls it).
  virtual void write_run(const float* run, std::size_t first, std::size_t count,
                         std::size_t n, char* out) const;

  /// Reads values [first, first + count) of the coding of n values at `in`
  /// (as write_run's) into `run`, as read() would read them.
  /// Default: nothing.
  virtual void read_run(const char* in, std::size_t n, std::size_t first,
                        std::size_t count, float* run) const;

  /// How to name it in an option, for error messages. Default: name().
  virtual std::string syntax() const;

  /// This codec with a parameter, `text` being what follows the colon in
  /// "name:text" ("0.001" in "topk:0.001"); nullptr when it takes none or
  /// `text` is not a valid one. The result lives as long as the program.
  virtual const codec* with_parameter(std::string_view text) const;

  /// A new commit stream's sender. Default: payloads in this codec, rounded
  /// by the wire, no state.
  virtual std::unique_ptr<commit_encoder> make_commit_encoder() const;

  /// A new centre stream's sender (one per worker). Default: whole centres
  /// in this codec, no state.
  virtual std::unique_ptr<centre_encoder> make_centre_encoder() const;

  /// A new centre stream's receiver. Default: asks for no deltas.
  virtual centre_decoder make_centre_decoder() const;
};

// -- building blocks for lossy codecs ------------------------------------------

/// A lossy codec whose sender rounds (its round() is idempotent, so the
/// sender knows what the receiver reads): commits with error feedback,
/// centres as deltas against each worker's view (the functions below), and
/// receivers that ask for deltas. int8, sign and topk are such codecs.
class feedback_codec : public codec {
public:
  std::unique_ptr<commit_encoder> make_commit_encoder() const override;
  std::unique_ptr<centre_encoder> make_centre_encoder() const override;
  centre_decoder make_centre_decoder() const override;
};

/// Error feedback (Seide et al. 2014, "1-bit SGD"; Karimireddy et al. 2019):
/// each payload plus the rounding error left from the previous one is
/// rounded by `c`, and the new error is kept, so the server's running sum
/// stays within one rounding step of the true one.
std::unique_ptr<commit_encoder> error_feedback_commits(const codec& c);

/// Deltas against a view: keeps the worker's copy of the centre (its view);
/// the first centre it is asked a delta for goes whole in fp32 and becomes
/// the view; later ones are `c.round(centre - view)`, and the view moves by
/// exactly that, as the worker's copy does, so rounding errors are corrected
/// by the next delta instead of accumulating. Without `want_delta`: whole,
/// in fp32, view untouched.
std::unique_ptr<centre_encoder> delta_centres(const codec& c);

// -- the registry (src/wire/registry.cpp) --------------------------------------

/// The codec called `name`, or nullptr: a registry name, or a
/// parameterised one ("topk:R", 0 < R <= 1, a decimal number).
const codec* find_codec(std::string_view name);

/// What find_codec accepts, for error messages: each codec's syntax(),
/// "fp32, fp16, int8, sign, topk[:R] (...)".
std::string codec_syntax();

/// The codec whose format byte is `format`, or nullptr.
const codec* codec_of_format(std::uint8_t format);

/// fp32: exact. Whole models, first centres, checkpoints, the local link.
const codec& exact_codec();

/// Every codec's name, in registry order ("fp32", "fp16", "int8", "sign",
/// "topk"; "topk" is "topk:0.01").
std::vector<std::string> codec_names();

/// The codec a worker and its server use between them: `c`, or the exact
/// codec when both are on one node (nothing is serialized there, so a
/// sender must not round either).
const codec& codec_for_link(const codec& c, bool same_node);

} // namespace actors::wire
