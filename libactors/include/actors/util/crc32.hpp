// crc32: the one CRC-32 of the project (zlib's polynomial, as in gzip and
// PNG), used by the model and checkpoint files and the data loader's label
// check. Reentrant; shares no state.
#pragma once

#include <cstddef>
#include <cstdint>

namespace actors {

/// CRC-32 (zlib's polynomial) of a byte range.
std::uint32_t crc32_of(const void* data, std::size_t size);

/// Extends `crc`, the CRC-32 of some earlier bytes, over a further range.
std::uint32_t crc32_update(std::uint32_t crc, const void* data, std::size_t size);

} // namespace actors
