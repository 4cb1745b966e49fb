"""Unit tests of bench/scaling_model's calibration on a made-up pair of
runs whose costs are worked by hand (python3 -m unittest, as
test_simulator.py)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from calibration import Calibration, link_of  # noqa: E402
from wire_bytes import codec_bytes  # noqa: E402

N = 1000


def worker(node, samples, seconds, wait, commits):
    return {"node": node, "samples": samples, "seconds": seconds, "wait_seconds": wait,
            "commits": commits, "chunks": commits}


def run(name, per_worker, hosts, ps_busy, updates):
    report = {"parameters": N, "wire": "int8", "overlap": True, "partitioning": "dynamic",
              "window": 5, "batch_size": 2, "train_rows": 1000, "epochs": 1,
              "per_worker": per_worker, "ps_busy_seconds": ps_busy, "ps_updates": updates,
              "train_seconds": 1.0}
    return {"run": name, "row": name, "hosts": hosts, "report": report,
            "link_bits_per_second": 8e6}


def host(node, cpu, tx=0):
    return {"node": node, "cores": 1, "node_cpu_seconds": cpu, "link_tx_bytes": tx}


# One host: 1,000 samples, busy 1.1 s of which the server applied 0.1 s:
# 1 ms a sample; CPU 1.1 s, so 1 ms of CPU a sample too.
ONE = run("one", [worker("host1", 1000, 1.1, 0.0, 100)], [host("host1", 1.1)], 0.1, 100)
# Two hosts: host 2 trained 400 samples (0.4 s of CPU) in 40 commits and used
# 0.48 s: 0.08 s of codec, 2 us per value per commit (0.08 / (40 x 1000)).
# Host 1: 600 samples (0.6 s), apply 0.1 s, CPU 0.78 s: 0.08 s for host 2's
# 40 commits, 2 us per value. Host 2 sent 40 int8 commits plus 1 %.
SENT = 40 * codec_bytes("int8", N) * 1.01
TWO = run("two", [worker("host1", 600, 0.7, 0.0, 60), worker("host2", 400, 0.5, 0.02, 40)],
          [host("host1", 0.78), host("host2", 0.48, SENT)], 0.1, 100)


class Calibrate(unittest.TestCase):
    def setUp(self):
        self.cal = Calibration([({}, ONE), ({}, TWO)])

    def test_compute_per_sample_from_the_one_host_run(self):
        self.assertAlmostEqual(self.cal.rates[True][1.0], 0.001)
        self.assertAlmostEqual(self.cal.kappa[True], 0.001)

    def test_apply_per_value_from_the_servers_busy_seconds(self):
        # 0.2 s over 200 updates of 1,000 values: 1 us a value.
        self.assertAlmostEqual(self.cal.apply, 1e-6)

    def test_codec_costs_from_the_cpu_beyond_compute(self):
        worker_side, server_side = self.cal.codecs["int8"]
        self.assertAlmostEqual(worker_side, 2e-6)
        self.assertAlmostEqual(server_side, 2e-6)
        # Not measured: the nearest codec in bytes lends its costs.
        self.assertEqual(self.cal.codec_cost("sign")[2], "int8")

    def test_framing_from_the_commit_senders_link_bytes(self):
        self.assertAlmostEqual(self.cal.framing, 1.01)

    def test_link_rate_and_latency(self):
        self.assertEqual(link_of({}, TWO), (1e6, 0.0))
        old = {"hosts": {"link": "netem delay 0.2ms rate 1gbit"}}
        self.assertEqual(link_of(old, {"run": "x"}), (1.25e8, 0.0002))


if __name__ == "__main__":
    unittest.main()
