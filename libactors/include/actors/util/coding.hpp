// coding: the one little-endian byte coding of the project (as leveldb's
// util/coding.h), used by every format that writes bytes: the checkpoint
// file, the saved model's weights and the wire codecs' values.
//
// encode_* write a fixed-width value at `dst` (which must hold its bytes),
// decode_* read one back; put_* append to a string; get_* consume from the
// front of a string_view and return false, leaving it untouched, when it is
// too short. Bulk float and u16 runs are a memcpy on little-endian hosts and
// a byte swap elsewhere. Stateless: safe from any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace actors {

/// Whether this host stores numbers little-endian (then bulk runs are copies).
constexpr bool host_little_endian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

static_assert(sizeof(float) == 4, "float32 expected");

// -- fixed width at a pointer ------------------------------------------------

inline void encode_u8(char* dst, std::uint8_t v) {
  dst[0] = static_cast<char>(v);
}

inline void encode_u16(char* dst, std::uint16_t v) {
  dst[0] = static_cast<char>(v & 0xff);
  dst[1] = static_cast<char>(v >> 8);
}

inline void encode_u32(char* dst, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    dst[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

inline void encode_u64(char* dst, std::uint64_t v) {
  for (int i = 0; i < 8; ++i)
    dst[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

inline void encode_f32(char* dst, float v) {
  std::uint32_t bits;
  std::memcpy(&bits, &v, 4);
  encode_u32(dst, bits);
}

inline std::uint8_t decode_u8(const char* p) {
  return static_cast<std::uint8_t>(p[0]);
}

inline std::uint16_t decode_u16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint16_t>(u[0] | (u[1] << 8));
}

inline std::uint32_t decode_u32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | u[i];
  return v;
}

inline std::uint64_t decode_u64(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | u[i];
  return v;
}

inline float decode_f32(const char* p) {
  const std::uint32_t bits = decode_u32(p);
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}

// -- bulk runs at a pointer ----------------------------------------------------

/// Writes n floats as 4n bytes at `dst`.
inline void encode_floats(char* dst, const float* values, std::size_t n) {
  if constexpr (host_little_endian) {
    if (n > 0)
      std::memcpy(dst, values, n * 4);
  } else {
    for (std::size_t i = 0; i < n; ++i)
      encode_f32(dst + 4 * i, values[i]);
  }
}

/// Reads n floats from the 4n bytes at `src`.
inline void decode_floats(const char* src, std::size_t n, float* values) {
  if constexpr (host_little_endian) {
    if (n > 0)
      std::memcpy(values, src, n * 4);
  } else {
    for (std::size_t i = 0; i < n; ++i)
      values[i] = decode_f32(src + 4 * i);
  }
}

/// Writes n u16 as 2n bytes at `dst`.
inline void encode_u16s(char* dst, const std::uint16_t* values, std::size_t n) {
  if constexpr (host_little_endian) {
    if (n > 0)
      std::memcpy(dst, values, n * 2);
  } else {
    for (std::size_t i = 0; i < n; ++i)
      encode_u16(dst + 2 * i, values[i]);
  }
}

/// Reads n u16 from the 2n bytes at `src`.
inline void decode_u16s(const char* src, std::size_t n, std::uint16_t* values) {
  if constexpr (host_little_endian) {
    if (n > 0)
      std::memcpy(values, src, n * 2);
  } else {
    for (std::size_t i = 0; i < n; ++i)
      values[i] = decode_u16(src + 2 * i);
  }
}

// -- appending to a string -------------------------------------------------------

inline void put_u8(std::string& dst, std::uint8_t v) {
  dst.push_back(static_cast<char>(v));
}

inline void put_u16(std::string& dst, std::uint16_t v) {
  char b[2];
  encode_u16(b, v);
  dst.append(b, 2);
}

inline void put_u32(std::string& dst, std::uint32_t v) {
  char b[4];
  encode_u32(b, v);
  dst.append(b, 4);
}

inline void put_u64(std::string& dst, std::uint64_t v) {
  char b[8];
  encode_u64(b, v);
  dst.append(b, 8);
}

inline void put_f32(std::string& dst, float v) {
  char b[4];
  encode_f32(b, v);
  dst.append(b, 4);
}

inline void put_floats(std::string& dst, const float* values, std::size_t n) {
  const std::size_t at = dst.size();
  dst.resize(at + 4 * n);
  encode_floats(&dst[at], values, n);
}

// -- consuming from the front of a string_view -------------------------------------

namespace detail {
template <class T, T (*Decode)(const char*)>
bool get_fixed(std::string_view& in, T& v) {
  if (in.size() < sizeof(T))
    return false;
  v = Decode(in.data());
  in.remove_prefix(sizeof(T));
  return true;
}
} // namespace detail

inline bool get_u8(std::string_view& in, std::uint8_t& v) {
  return detail::get_fixed<std::uint8_t, decode_u8>(in, v);
}

inline bool get_u16(std::string_view& in, std::uint16_t& v) {
  return detail::get_fixed<std::uint16_t, decode_u16>(in, v);
}

inline bool get_u32(std::string_view& in, std::uint32_t& v) {
  return detail::get_fixed<std::uint32_t, decode_u32>(in, v);
}

inline bool get_u64(std::string_view& in, std::uint64_t& v) {
  return detail::get_fixed<std::uint64_t, decode_u64>(in, v);
}

inline bool get_f32(std::string_view& in, float& v) {
  return detail::get_fixed<float, decode_f32>(in, v);
}

// -- varints (leveldb's, the protobuf base-128 coding) -----------------------
//
// An unsigned 32-bit value in 1-5 bytes, 7 bits a byte from the lowest, the
// top bit set on every byte but the last: small values (the gaps between
// sorted indices, wire/topk) take one byte below 128, two below 16384.

/// Bytes the varint of `v` takes (1-5).
constexpr std::size_t varint32_length(std::uint32_t v) {
  std::size_t n = 1;
  for (; v >= 0x80; v >>= 7)
    ++n;
  return n;
}

/// Writes the varint of `v` at `dst` (which must hold varint32_length(v)
/// bytes); returns the byte after it.
inline char* encode_varint32(char* dst, std::uint32_t v) {
  for (; v >= 0x80; v >>= 7)
    *dst++ = static_cast<char>((v & 0x7f) | 0x80);
  *dst++ = static_cast<char>(v);
  return dst;
}

/// Reads a varint; false (nothing consumed) if `in` ends inside it or it
/// runs past 5 bytes or 32 bits.
inline bool get_varint32(std::string_view& in, std::uint32_t& v) {
  std::uint32_t out = 0;
  for (std::size_t i = 0; i < 5 && i < in.size(); ++i) {
    const auto byte = static_cast<std::uint8_t>(in[i]);
    if (i == 4 && byte > 0x0f)
      return false; // bits beyond 32
    out |= static_cast<std::uint32_t>(byte & 0x7f) << (7 * i);
    if (byte < 0x80) {
      v = out;
      in.remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

/// Reads n floats; false (nothing consumed) if fewer than 4n bytes remain.
inline bool get_floats(std::string_view& in, std::size_t n, float* values) {
  if (n > in.size() / 4)
    return false;
  decode_floats(in.data(), n, values);
  in.remove_prefix(4 * n);
  return true;
}

} // namespace actors
