"""Unit tests of bench/scaling_model on cases worked by hand:
  python3 -m unittest discover -s bench/scaling_model -p 'test_*.py'
(registered in tests/CMakeLists.txt as scaling_model_test)."""
import math
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simulator import Setup, shard_ranges, simulate  # noqa: E402
from wire_bytes import codec_bytes, link_bytes  # noqa: E402


def setup(**kw):
    """Two hosts, one core each, fp32, no CPU for codecs or the server."""
    base = dict(hosts=2, shares=[1.0, 1.0], values=1000, codec="fp32", samples_per_chunk=10,
                chunks=100, compute_seconds_per_sample={1.0: 0.001},
                apply_core_seconds_per_value=0.0, worker_codec_core_seconds_per_value=0.0,
                server_codec_core_seconds_per_value=0.0, link_bytes_per_second=1e12)
    base.update(kw)
    return Setup(**base)


class WireBytes(unittest.TestCase):
    def test_the_runtime_headers_figures_for_mnist_cnn(self):
        n = 1048853
        self.assertEqual(codec_bytes("fp32", n), 4 * n)
        self.assertEqual(codec_bytes("fp16", n), 2 * n)
        self.assertEqual(codec_bytes("int8", n), 4 * 4098 + n)  # 1.016 bytes a value
        self.assertEqual(codec_bytes("sign", n), 147499)        # sign.cpp's header
        # topk.cpp's header: ~0.053 and ~0.0059 bytes per value.
        self.assertAlmostEqual(codec_bytes("topk:0.01", n) / n, 0.053, delta=0.002)
        self.assertAlmostEqual(codec_bytes("topk:0.001", n) / n, 0.0059, delta=0.0003)

    def test_framing_is_1514_bytes_a_1448_byte_segment(self):
        self.assertAlmostEqual(link_bytes(1448 * 1000), 1514 * 1000)

    def test_an_unknown_codec_is_refused(self):
        with self.assertRaises(ValueError):
            codec_bytes("fp8", 10)


class Simulator(unittest.TestCase):
    def test_compute_bound_one_host(self):
        # 100 chunks of 10 samples at 1 ms, all in-node: 1.0 s.
        out = simulate(setup(hosts=1, shares=[1.0]))
        self.assertAlmostEqual(out.seconds, 1.0)
        self.assertEqual(out.chunks, [100])

    def test_compute_bound_two_hosts_halve_the_time(self):
        out = simulate(setup())
        # 50 chunks each; the last reply over a fast link adds ~nothing.
        self.assertAlmostEqual(out.seconds, 0.5, places=4)
        self.assertEqual(out.chunks, [50, 50])

    def test_half_a_core_doubles_the_compute(self):
        out = simulate(setup(hosts=1, shares=[0.5]))
        self.assertAlmostEqual(out.seconds, 2.0)

    def test_link_bound_time_is_bytes_over_rate(self):
        # Worker 1 exchanges with host 0 without overlap: per chunk 4,000
        # bytes each way at 1 MB/s after framing (4,182.3 bytes on the wire),
        # its compute negligible. Static, 50 chunks: 50 x 2 x 4182.3 / 1e6 s.
        s = setup(compute_seconds_per_sample={1.0: 1e-9}, link_bytes_per_second=1e6,
                  overlap=False, dynamic=False)
        out = simulate(s)
        expected = 50 * 2 * link_bytes(4000) / 1e6
        self.assertAlmostEqual(out.seconds, expected, delta=1e-6)
        self.assertAlmostEqual(out.waiting[1], expected, delta=1e-6)
        self.assertAlmostEqual(out.link_out[1], 50 * link_bytes(4000))

    def test_the_servers_link_saturates(self):
        # 4 hosts, static (25 chunks each), compute negligible: host 0's
        # downlink carries the 75 commits of hosts 1-3 back to back, its
        # uplink the 75 centres: 75 x 4182.3 bytes / 1 MB/s, plus the last
        # centre's trip (4.2 ms).
        s = setup(hosts=4, shares=[1.0] * 4, compute_seconds_per_sample={1.0: 1e-9},
                  link_bytes_per_second=1e6, dynamic=False)
        out = simulate(s)
        one = link_bytes(4000) / 1e6
        self.assertAlmostEqual(out.seconds, 75 * one + one, delta=2 * one)
        self.assertAlmostEqual(out.link_in[0], 75 * link_bytes(4000))
        self.assertEqual(out.bottleneck(s), "link")

    def test_overlap_hides_the_link_when_compute_is_longer(self):
        # A chunk takes 10 ms, an exchange 2 x 4.18 ms (4,000 bytes each
        # way at 1 MB/s): with overlap worker 1 never waits and finishes one
        # exchange after its last chunk; without, it waits 8.4 ms a chunk.
        s = dict(link_bytes_per_second=1e6, dynamic=False)
        over = simulate(setup(overlap=True, **s))
        self.assertAlmostEqual(over.waiting[1], 0.0)
        self.assertAlmostEqual(over.seconds, 0.5 + 2 * link_bytes(4000) / 1e6, delta=1e-6)
        plain = simulate(setup(overlap=False, **s))
        self.assertAlmostEqual(plain.waiting[1], 50 * 2 * link_bytes(4000) / 1e6, delta=1e-6)

    def test_server_bound_time_is_commits_times_apply(self):
        # 4 hosts, 1 shard, apply 1 us per value x 1000 values = 1 ms a
        # commit, compute negligible: the 100 commits queue at the one
        # server, 100 x 1 ms.
        s = setup(hosts=4, shares=[1.0] * 4, compute_seconds_per_sample={1.0: 1e-9},
                  apply_core_seconds_per_value=1e-6)
        out = simulate(s, rounds=1)
        self.assertAlmostEqual(out.seconds, 0.1, delta=1e-4)
        self.assertAlmostEqual(out.shard_cpu[0], 0.1)
        self.assertEqual(out.bottleneck(s), "server")

    def test_shards_split_the_server_work(self):
        s = setup(hosts=4, shares=[1.0] * 4, compute_seconds_per_sample={1.0: 1e-9},
                  apply_core_seconds_per_value=1e-6, shards=4)
        out = simulate(s, rounds=1)
        self.assertEqual(shard_ranges(1000, 4), [250] * 4)
        self.assertEqual(shard_ranges(10, 4), [3, 3, 2, 2])
        self.assertAlmostEqual(out.seconds, 0.025, delta=1e-4)
        self.assertAlmostEqual(sum(out.shard_cpu), 0.1)

    def test_dynamic_chunks_follow_speed_static_waits_for_the_slowest(self):
        dyn = simulate(setup(shares=[1.0, 0.25]))
        # Rates 1 and 1/4 chunk per 10 ms: 80 and 20 chunks, 0.8 s.
        self.assertEqual(dyn.chunks, [80, 20])
        self.assertAlmostEqual(dyn.seconds, 0.8, delta=1e-3)
        static = simulate(setup(shares=[1.0, 0.25], dynamic=False))
        self.assertAlmostEqual(static.seconds, 50 * 0.04, delta=1e-3)

    def test_bad_shards_are_refused(self):
        with self.assertRaises(ValueError):
            simulate(setup(shards=3))


if __name__ == "__main__":
    unittest.main()
