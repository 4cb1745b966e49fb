"""predictions: the calibrated model at 8 to 64 hosts.

Each host: one worker, one core (the compute rate of the measured one-core,
overlapped runs), the driver's defaults (dynamic chunks, overlap), a link at
1, 10 or 25 Gbit/s, S shards on the first S hosts, each wire codec; for
this model (the measured values) and one 10x larger, the extra values in
dense layers (mnist_cnn's values are almost all in its dense layers): each
costs 6 FLOPs per sample to train (forward 2, backward 4: nn/dense.cpp), so
the compute per sample grows by (F + 6 (scale - 1) n) / F, F the report's
train_flops_per_sample (scale x without it). Efficiency = T1 / (H x T_H),
T1 the same workload on one host of one core. The links are real
Ethernet (1,514-byte frames for 1,448 bytes of payload), not the emulation's
calibrated framing.
"""
from dataclasses import replace

from simulator import Setup, simulate
from wire_bytes import CODECS, WIRE_FRAMING

HOSTS = (8, 16, 32, 64)
LINKS_GBIT = (1, 10, 25)
SHARDS = (1, 2, 4, 8, 16, 32, 64)
TARGET = 0.8


def compute_factor(report, scale):
    """How much longer a sample takes with `scale` times the values, the
    extra ones in dense layers (6 FLOPs per value per sample)."""
    flops = report.get("train_flops_per_sample")
    if not flops:
        return float(scale)
    return (flops + 6.0 * (scale - 1) * report["parameters"]) / flops


def base_setup(cal, epochs, scale):
    """One host of one core training `epochs` of the measured workload, the
    model `scale` times larger."""
    doc, run = next((d, r) for d, r in cal.runs if r["report"].get("overlap", False)) \
        if any(r["report"].get("overlap", False) for _, r in cal.runs) else cal.runs[0]
    measured = cal.setup_of(doc, run)
    rates = cal.rates.get(True) or next(iter(cal.rates.values()))
    factor = compute_factor(run["report"], scale)
    per_sample = {s: v * factor for s, v in rates.items()}
    return replace(measured, hosts=1, shares=[1.0], values=measured.values * scale,
                   compute_seconds_per_sample=per_sample,
                   chunks=epochs * measured.chunks // run["report"]["epochs"],
                   overlap=True, dynamic=True, shards=1)


def at(cal, base, hosts, gbit, codec, shards):
    wk, sv, _ = cal.codec_cost(codec)
    return replace(base, hosts=hosts, shares=[1.0] * hosts, codec=codec, shards=shards,
                   link_bytes_per_second=gbit * 1e9 / 8, framing=WIRE_FRAMING,
                   worker_codec_core_seconds_per_value=wk,
                   server_codec_core_seconds_per_value=sv)


def predict(cal, epochs=1, scales=(1, 10), progress=None):
    """Rows {scale, values, gbit, hosts, codec, shards, seconds, efficiency,
    bottleneck, busiest link and shard use}."""
    rows = []
    for scale in scales:
        base = base_setup(cal, epochs, scale)
        t1 = simulate(base).seconds
        for gbit in LINKS_GBIT:
            for hosts in HOSTS:
                for codec in CODECS:
                    for shards in (s for s in SHARDS if s <= hosts):
                        setup = at(cal, base, hosts, gbit, codec, shards)
                        out = simulate(setup)
                        rows.append(_row(scale, setup, gbit, t1, out))
                if progress:
                    progress("scale %dx, %d Gbit/s, %d hosts done" % (scale, gbit, hosts))
    return rows


def _row(scale, setup, gbit, t1, out):
    rate = setup.link_bytes_per_second * out.seconds
    return {"scale": scale, "values": setup.values, "gbit": gbit, "hosts": setup.hosts,
            "codec": setup.codec, "shards": setup.shards, "seconds": round(out.seconds, 3),
            "one_host_seconds": round(t1, 3),
            "efficiency": round(t1 / (setup.hosts * out.seconds), 4),
            "bottleneck": out.bottleneck(setup),
            "link_use": round(max(max(out.link_out), max(out.link_in)) / rate, 4),
            "shard_use": round(max(out.shard_cpu) / out.seconds, 4),
            "waiting_share": round(sum(out.waiting) / (setup.hosts * out.seconds), 4)}


def fewest_shards(rows, scale, gbit, hosts, codec):
    """The fewest shards at which `codec` keeps efficiency >= TARGET; None."""
    ok = [r["shards"] for r in rows if (r["scale"], r["gbit"], r["hosts"], r["codec"]) ==
          (scale, gbit, hosts, codec) and r["efficiency"] >= TARGET]
    return min(ok) if ok else None
