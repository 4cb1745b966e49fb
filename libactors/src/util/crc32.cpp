#include "actors/util/crc32.hpp"

#include <algorithm>

#include <zlib.h>

namespace actors {

std::uint32_t crc32_update(std::uint32_t crc, const void* data, std::size_t size) {
  uLong c = crc;
  auto bytes = static_cast<const Bytef*>(data);
  // zlib takes an unsigned int length: feed larger ranges in chunks.
  while (size > 0) {
    const auto chunk = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
    c = crc32(c, bytes, chunk);
    bytes += chunk;
    size -= chunk;
  }
  return static_cast<std::uint32_t>(c);
}

std::uint32_t crc32_of(const void* data, std::size_t size) {
  return crc32_update(static_cast<std::uint32_t>(crc32(0L, Z_NULL, 0)), data, size);
}

} // namespace actors
