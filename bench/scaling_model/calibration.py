"""calibration: the simulator's costs from bench/scaling.sh's JSON, and the
Setup of every measured run.

Nothing is typed in: every figure comes from a run's report (train_mnist
--report) or the host figures bench/scaling.sh adds (cores, the caf-node's
CPU seconds, the link's rate):
- compute seconds per sample, per overlap mode and share: a one-host run's
  (one, half) worker busy seconds less the server's apply seconds
  (ps_busy_seconds), over its samples. That worker's exchanges are in-node,
  so this is training plus the local exchange's copies.
- compute core-seconds per sample (kappa): the same run's caf-node CPU
  seconds less ps_busy_seconds x share, over its samples.
- apply core-seconds per value: sum of ps_busy_seconds x share over sum of
  updates x values, all runs (the trainer's rule on the server).
- per wire codec, worker codec core-seconds per value: each worker on
  another host than the server's: (its caf-node CPU seconds - samples x
  kappa) / (its commits x values), pooled over runs;
  server codec core-seconds per value: host 1's CPU seconds less its
  worker's samples x kappa and the apply seconds, over the commits of the
  workers on other hosts x values.
- the link: link_bits_per_second (or the "rate" in the hosts' link text of
  older files) / 8, latency the netem delay in it (0 with tbf); framing
  (link bytes per payload byte): the bytes the workers' hosts other than
  host 1 sent over their commits' codings (the wire's 1514/1448 when no run
  has such a host).
"""
import json
import re

from simulator import Setup
from wire_bytes import WIRE_FRAMING, codec_bytes


def load_runs(paths):
    """Every run of every file: (file's top-level JSON, run)."""
    runs = []
    for path in paths:
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as err:
            raise SystemExit("scaling_model: cannot read %s: %s" % (path, err))
        if isinstance(doc.get("scaling"), dict):  # bench/codecs.sh keeps scaling.sh's whole
            doc = doc["scaling"]
        if not isinstance(doc.get("runs"), list):
            raise SystemExit("scaling_model: %s: no 'runs' list (not bench/scaling.sh's JSON)" % path)
        runs += [(doc, r) for r in doc["runs"]]
    if not runs:
        raise SystemExit("scaling_model: no runs in %s" % ", ".join(paths))
    return runs


_RATE = re.compile(r"rate (\d+(?:\.\d+)?)(k|m|g)bit")
_DELAY = re.compile(r"delay (\d+(?:\.\d+)?)ms")


def link_of(doc, run):
    """(bytes per second, latency seconds) of the run's links."""
    bits = run.get("link_bits_per_second")
    text = run.get("link_shaping") or doc.get("hosts", {}).get("link", "")
    if bits is None:
        m = _RATE.search(text)
        if not m:
            raise SystemExit("scaling_model: run %s: no link rate (link_bits_per_second or 'rate ...bit')"
                             % run.get("run"))
        bits = float(m.group(1)) * {"k": 1e3, "m": 1e6, "g": 1e9}[m.group(2)]
    m = _DELAY.search(text)
    return float(bits) / 8.0, (float(m.group(1)) / 1000.0 if m else 0.0)


def host_of(run, node):
    return next(h for h in run["hosts"] if h["node"] == node)


def share_of(run, node):
    return float(host_of(run, node)["cores"])


def _one_host_runs(runs):
    return [(d, r) for d, r in runs if len(r["report"]["per_worker"]) == 1]


def compute_rates(runs):
    """{overlap: {share: seconds per sample}}, {overlap: kappa}."""
    per_sample, kappa = {}, {}
    for _, r in _one_host_runs(runs):
        rep, w = r["report"], r["report"]["per_worker"][0]
        share, ov = share_of(r, w["node"]), bool(rep.get("overlap", False))
        busy = w["seconds"] - w["wait_seconds"] - rep["ps_busy_seconds"]
        per_sample.setdefault(ov, {}).setdefault(share, []).append(busy / w["samples"])
        cpu = host_of(r, w["node"])["node_cpu_seconds"] - rep["ps_busy_seconds"] * share
        kappa.setdefault(ov, []).append(cpu / w["samples"])
    if not per_sample:
        raise SystemExit("scaling_model: no one-host run (row one or half) to take the compute rate from")
    rates = {ov: {s: sum(v) / len(v) for s, v in table.items()} for ov, table in per_sample.items()}
    return rates, {ov: sum(v) / len(v) for ov, v in kappa.items()}


def _by_mode(table, overlap):
    """table[overlap], or the other mode's when this one was not measured."""
    return table[overlap] if overlap in table else next(iter(table.values()))


def codec_costs(runs, kappa):
    """{wire: (worker, server) codec core-seconds per value}."""
    sums = {}
    for _, r in runs:
        rep = r["report"]
        n, ov = rep["parameters"], bool(rep.get("overlap", False))
        k = _by_mode(kappa, ov)
        remote = [w for w in rep["per_worker"] if w["node"] != "host1"]
        local = [w for w in rep["per_worker"] if w["node"] == "host1"]
        if not remote:
            continue
        acc = sums.setdefault(rep["wire"], [0.0, 0.0, 0.0, 0.0])
        for w in remote:
            acc[0] += host_of(r, w["node"])["node_cpu_seconds"] - w["samples"] * k
            acc[1] += w["commits"] * n
        server_cpu = host_of(r, "host1")["node_cpu_seconds"] - sum(w["samples"] for w in local) * k
        acc[2] += server_cpu - rep["ps_busy_seconds"] * share_of(r, "host1")
        acc[3] += sum(w["commits"] for w in remote) * n
    return {wire: (max(0.0, a[0] / a[1]), max(0.0, a[2] / a[3])) for wire, a in sums.items()}


def framing(runs):
    """Link bytes per payload byte, from the hosts that only send commits."""
    sent = payload = 0.0
    for _, r in runs:
        rep = r["report"]
        for w in rep["per_worker"]:
            if w["node"] != "host1":
                sent += host_of(r, w["node"])["link_tx_bytes"]
                payload += w["commits"] * codec_bytes(rep["wire"], rep["parameters"])
    return sent / payload if payload > 0 else WIRE_FRAMING


def apply_cost(runs):
    num = sum(r["report"]["ps_busy_seconds"] * share_of(r, "host1") for _, r in runs)
    den = sum(r["report"]["ps_updates"] * r["report"]["parameters"] for _, r in runs)
    return num / den


class Calibration:
    """The costs, and Setups for measured runs and for predictions."""

    def __init__(self, runs):
        self.runs = runs
        self.rates, self.kappa = compute_rates(runs)
        self.codecs = codec_costs(runs, self.kappa)
        self.apply = apply_cost(runs)
        self.framing = framing(runs)

    def codec_cost(self, wire):
        """(worker, server, source): the measured costs of `wire`, else those
        of the measured codec nearest in bytes per value, named in source."""
        if wire in self.codecs:
            return self.codecs[wire] + (wire,)
        if not self.codecs:
            return 0.0, 0.0, "none measured"
        near = min(self.codecs, key=lambda c: abs(codec_bytes(c, 1 << 20) - codec_bytes(wire, 1 << 20)))
        return self.codecs[near] + (near,)

    def setup_of(self, doc, run):
        """The Setup of a measured run."""
        rep = run["report"]
        workers = sorted(rep["per_worker"], key=lambda w: int(w["node"].replace("host", "")))
        rate, latency = link_of(doc, run)
        overlap = bool(rep.get("overlap", False))
        wk, sv, _ = self.codec_cost(rep["wire"])
        chunk = rep["batch_size"] * rep["window"]
        return Setup(hosts=len(workers), shares=[share_of(run, w["node"]) for w in workers],
                     values=rep["parameters"], codec=rep["wire"], samples_per_chunk=chunk,
                     chunks=rep["epochs"] * (rep["train_rows"] // chunk),
                     compute_seconds_per_sample=_by_mode(self.rates, overlap),
                     apply_core_seconds_per_value=self.apply,
                     worker_codec_core_seconds_per_value=wk,
                     server_codec_core_seconds_per_value=sv,
                     link_bytes_per_second=rate, latency_seconds=latency,
                     overlap=overlap, dynamic=rep.get("partitioning", "static") == "dynamic",
                     framing=self.framing)
