"""wire_bytes: the bytes one message of n values takes on a link, per codec.

The formulas are the runtime's own (libactors/src/wire/*.cpp, their headers
state them); the tests check them against the figures those headers give
for mnist_cnn (n = 1,048,853):
  fp32   4 n
  fp16   2 n
  int8   4 ceil(n / 256) + n                   (a float scale per 256 values)
  sign   4 ceil(n / 256) + ceil(n / 8)         (147,499 bytes for mnist_cnn)
  topk:R 4 + c (4 + v)   c = ceil(R n) kept values, v the mean varint bytes of
                         the gaps between their indices, the gaps geometric
                         with mean n / c (the header's "spread evenly" case)
Both streams use the codec (libactors/src/wire/codec.hpp): commits
(worker -> server, with error feedback for int8, sign, topk) and centres
(server -> worker: whole for fp32 and fp16, deltas against the server's
view of the worker's copy for the others), so an exchange moves
codec_bytes(n) each way. A worker on its server's node sends nothing over
a link (wire::codec_for_link: in-node messages are not serialized).

On the link every byte also carries TCP/IP and Ethernet framing: on a
wire a 1,514-byte frame carries a 1,448-byte segment (MSS with TCP
timestamps), the default framing factor. Emulated links see less: veth
passes 64 KiB GSO segments, so tbf and the eth0 counters see one header per
~64 KiB; calibration.py measures the factor from the hosts' link bytes.
CAF's message headers (tens of bytes) are left out.
"""
import math

FRAME_BYTES = 1514
SEGMENT_BYTES = 1448
CODECS = ("fp32", "fp16", "int8", "sign", "topk:0.01", "topk:0.001")


def _varint_bytes_geometric(mean_gap):
    """Mean bytes of a varint (7 bits a byte) of a gap drawn from a
    geometric distribution on {0, 1, ...} with the given mean."""
    if mean_gap <= 0:
        return 1.0
    q = mean_gap / (1.0 + mean_gap)  # P(gap >= g + 1) / P(gap >= g)
    total, limit = 1.0, 128
    while limit < 2 ** 35:
        total += q ** limit  # P(gap >= limit): one more byte
        limit *= 128
    return total


def topk_ratio(codec):
    """R of "topk:R" ("topk" alone is R = 0.01); None for other codecs."""
    if codec == "topk":
        return 0.01
    if codec.startswith("topk:"):
        return float(codec.split(":", 1)[1])
    return None


def codec_bytes(codec, n):
    """Bytes the coding of n values takes in `codec` (what float_buffer
    writes after the format byte)."""
    blocks = (n + 255) // 256
    if codec == "fp32":
        return 4 * n
    if codec == "fp16":
        return 2 * n
    if codec == "int8":
        return 4 * blocks + n
    if codec == "sign":
        return 4 * blocks + (n + 7) // 8
    ratio = topk_ratio(codec)
    if ratio is not None:
        kept = max(1, math.ceil(ratio * n))
        gap = n / kept - 1.0
        return 4 + kept * (4 + _varint_bytes_geometric(gap))
    raise ValueError("unknown codec '%s' (expected one of %s)" % (codec, ", ".join(CODECS)))


WIRE_FRAMING = FRAME_BYTES / SEGMENT_BYTES


def link_bytes(payload_bytes, framing=WIRE_FRAMING):
    """Bytes a payload takes on a link: `framing` bytes per payload byte."""
    return payload_bytes * framing
