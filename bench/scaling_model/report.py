"""report: the model's results as DIR/NAME.md, .json and (gnuplot) .png."""
import datetime
import json
import os
import shutil
import subprocess
import tempfile

from predictions import HOSTS, LINKS_GBIT, SHARDS, TARGET, compute_factor, fewest_shards
from wire_bytes import CODECS, codec_bytes

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _costs_md(cal):
    lines = ["Calibrated costs (calibration.py; core-seconds unless said):", "",
             "| cost | value |", "|---|---|"]
    for ov, table in sorted(cal.rates.items()):
        for share, v in sorted(table.items()):
            lines.append("| compute, overlap %s, %s core: ms per sample (wall) | %.4f |"
                         % (str(ov).lower(), share, 1e3 * v))
    lines.append("| server apply (the rule): ns per value | %.3f |" % (1e9 * cal.apply))
    lines.append("| link bytes per payload byte (framing) | %.4f |" % cal.framing)
    for wire, (wk, sv) in sorted(cal.codecs.items()):
        lines.append("| %s codec, worker side: ns per value per exchange | %.3f |" % (wire, 1e9 * wk))
        lines.append("| %s codec, server side: ns per value per exchange | %.3f |" % (wire, 1e9 * sv))
    return lines


def _validation_md(rows):
    lines = ["| run | link | cores per host | partitioning / overlap / wire | measured train s | predicted s | error | MB sent per host, measured | predicted |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append("| %s | %s | %s | %s / %s / %s | %.1f | %.1f | %+.1f %%%s | %s | %s |" % (
            r["run"], r["link"], r["cores_per_host"], r["partitioning"], str(r["overlap"]).lower(),
            r["wire"], r["measured_seconds"], r["predicted_seconds"], 100 * r["error"],
            (" (quotas above the cores)" if r["oversubscribed"] else "")
            + ("" if r.get("calibrated_on", True) else " (not calibrated on)"),
            ", ".join("%.0f" % (b / 1e6) for b in r["measured_link_bytes_sent"]),
            ", ".join("%.0f" % (b / 1e6) for b in r["predicted_link_bytes_sent"])))
    fair = [abs(r["error"]) for r in rows if not r["oversubscribed"]]
    if fair:
        lines += ["", "Largest error on the rows whose quotas fit the machine: %.1f %% (target 15 %%); "
                  "%d of %d within 15 %%." % (100 * max(fair), sum(e <= 0.15 for e in fair), len(fair))]
    return lines


def _best(group):
    """The best configuration: within 0.5 point of the highest efficiency,
    the fewest shards, then the codec of most bytes (the least lossy)."""
    top = max(p["efficiency"] for p in group)
    near = [p for p in group if p["efficiency"] >= top - 0.005]
    return min(near, key=lambda p: (p["shards"], -codec_bytes(p["codec"], 1 << 20)))


def _summary_md(preds):
    lines = ["| model values | link | hosts | int8, 1 shard: efficiency (bottleneck) | best efficiency (codec, shards) | codecs >= 80 % with their fewest shards |",
             "|---|---|---|---|---|---|"]
    for scale in sorted({p["scale"] for p in preds}):
        for gbit in LINKS_GBIT:
            for hosts in HOSTS:
                group = [p for p in preds if (p["scale"], p["gbit"], p["hosts"]) == (scale, gbit, hosts)]
                if not group:
                    continue
                base = next(p for p in group if p["codec"] == "int8" and p["shards"] == 1)
                best = _best(group)
                ok = ["%s: %d" % (c, s) for c in CODECS
                      for s in [fewest_shards(preds, scale, gbit, hosts, c)] if s is not None]
                lines.append("| %s | %d Gbit/s | %d | %.2f (%s) | %.2f (%s, %d) | %s |" % (
                    "{:,}".format(group[0]["values"]), gbit, hosts, base["efficiency"],
                    base["bottleneck"], best["efficiency"], best["codec"], best["shards"],
                    ", ".join(ok) or "none"))
    return lines


def _shown(path):
    """`path` relative to the repository when it is inside it."""
    rel = os.path.relpath(os.path.abspath(path), REPO)
    return path if rel.startswith("..") else rel


def _header(opts, cal):
    doc, n = cal.runs[0][0], cal.runs[0][1]["report"]["parameters"]
    return ["# Scaling model: this runtime simulated, calibrated on bench/scaling.sh", "",
            "Written by `python3 bench/scaling_model %s` on %s from %s (measured %s on %s, commit %s)." % (
                " ".join("--%s=%s" % (k, ",".join(v) if isinstance(v, list) else v)
                         for k, v in (("results", [_shown(p) for p in opts["results"]]),
                                      ("epochs", opts["epochs"]))
                         + ((("calibrate-rows", opts["calibrate_rows"]),) if opts["calibrate_rows"] else ())),
                datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                ", ".join(_shown(p) for p in opts["results"]), doc.get("date", "?"),
                doc.get("machine", {}).get("name", "?"), doc.get("meta", {}).get("commit", "?")),
            "", "What it models and what not: bench/scaling_model/simulator.py's header. Message sizes "
            "per codec: wire_bytes.py (the runtime's codings; mnist_cnn: int8 %d, sign %d bytes a message)."
            % (codec_bytes("int8", n), codec_bytes("sign", n)), ""]


def _predictions_md(preds, epochs, cal):
    if not preds:
        return []
    factor = compute_factor(cal.runs[0][1]["report"], 10)
    used = ", ".join("%s: %s's" % (c, cal.codec_cost(c)[2]) for c in CODECS)
    text = ("%d epoch(s) of the measured workload (dynamic chunks of one window, overlap), one worker "
            "and one core per host, S shards on the first S hosts (S in %s), each codec; the larger "
            "model has 10x the values, the extra ones in dense layers (6 FLOPs per value per sample: "
            "its compute per sample %.2fx the measured one; predictions.py). Efficiency = T1 / "
            "(H x T_H). Links: Ethernet framing (1,514-byte frames for 1,448 bytes). "
            "Bottleneck: the busiest link or shard busy >= 85 %% of the run, else compute. "
            % (epochs, ", ".join(map(str, SHARDS)), factor))
    text += ("Codec CPU costs used (a codec not measured takes those of the measured codec nearest "
             "in bytes per value): " + used + ".")
    return ["## Predictions: 8 to 64 hosts", "", text, ""] + _summary_md(preds) + [""]


def write_results(opts, cal, rows, preds):
    md = _header(opts, cal) + _costs_md(cal) + ["", "## Measured runs, predicted", ""] \
        + _validation_md(rows) + ["", "MB sent per host: its eth0's bytes sent (hosts 1, 2, ...; with "
                                  "the driver's traffic) against the model's messages with framing.", ""] + _predictions_md(preds, opts["epochs"], cal)
    os.makedirs(opts["out"], exist_ok=True)
    base = os.path.join(opts["out"], opts["name"])
    with open(base + ".md", "w") as f:
        f.write("\n".join(md) + "\n")
    costs = {"compute_seconds_per_sample": {str(k).lower(): v for k, v in cal.rates.items()},
             "apply_core_seconds_per_value": cal.apply, "framing": cal.framing,
             "codec_core_seconds_per_value": {w: {"worker": c[0], "server": c[1]} for w, c in cal.codecs.items()},
             "codec_costs_used": {c: cal.codec_cost(c)[2] for c in CODECS}}
    with open(base + ".json", "w") as f:
        json.dump({"bench": "scaling_model", "results": opts["results"], "epochs": opts["epochs"],
                   "target_efficiency": TARGET, "costs": costs, "validation": rows,
                   "predictions": preds}, f, indent=1)
    if preds:
        _chart(preds, base + ".png")
    print("\n".join(md))


def _chart(preds, png):
    if shutil.which("gnuplot") is None:
        print("scaling_model: no gnuplot: no chart (bash scripts/setup.sh --bench installs gnuplot-nox)")
        return
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as tmp:
        dat = os.path.join(tmp, "eff.dat")
        with open(dat, "w") as f:
            for scale in (1, 10):
                for hosts in HOSTS:
                    cols = []
                    for gbit in LINKS_GBIT:
                        g = [p for p in preds if (p["scale"], p["gbit"], p["hosts"]) == (scale, gbit, hosts)]
                        int8 = [p["efficiency"] for p in g if p["codec"] == "int8"]
                        one = [p["efficiency"] for p in g if p["codec"] == "int8" and p["shards"] == 1]
                        cols += ["%.4f" % one[0] if one else "-", "%.4f" % max(int8) if int8 else "-"]
                    f.write("%d %d %s\n" % (scale, hosts, " ".join(cols)))
        subprocess.run(["gnuplot", "-e", "datafile='%s'; outfile='%s'" % (dat, png),
                        os.path.join(here, "chart.gp")], check=True)
