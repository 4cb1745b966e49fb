"""bench/scaling_model: a simulation of this runtime, calibrated on
bench/scaling.sh's measurements, predicting 8 to 64 hosts.

  python3 bench/scaling_model [--results=FILE[,FILE...]] [--out=DIR]
                              [--name=scaling_model] [--epochs=1] [--validate-only]
                              [--calibrate-rows=one,two,half]

Reads bench/scaling.sh's JSON (default bench/results/scaling.json; more
files, e.g. bench/codecs.sh's scaling runs, add codecs), takes every cost
from it (calibration.py), simulates every measured run (simulator.py) and
prints predicted against measured train seconds with the error (the target:
within 15 %), then predicts --epochs of the measured workload on 8 to 64
hosts at 1, 10 and 25 Gbit/s, every codec and 1 to 64 shards (at most one a host), for the
measured model and one 10x larger (predictions.py). Writes
DIR/NAME.{md,json} and, with gnuplot, DIR/NAME.png (default DIR:
bench/results). --calibrate-rows takes the costs from those rows only
(bench/scaling.sh's row names) and still predicts every run: e.g. one,two,half
makes the four-host rows an out-of-sample test. Exit codes: 0 done, 1
failed, 2 bad usage.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from calibration import Calibration, load_runs  # noqa: E402
from report import write_results  # noqa: E402
from simulator import simulate  # noqa: E402
import predictions  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def usage(text):
    print("scaling_model: %s (see --help)" % text, file=sys.stderr)
    sys.exit(2)


def parse(argv):
    opts = {"results": [os.path.join(REPO, "bench/results/scaling.json")],
            "out": os.path.join(REPO, "bench/results"), "name": "scaling_model",
            "epochs": 1, "validate_only": False, "calibrate_rows": None}
    for arg in argv:
        key, _, value = arg.partition("=")
        if arg in ("-h", "--help"):
            print(__doc__.strip())
            sys.exit(0)
        elif key == "--results" and value:
            opts["results"] = value.split(",")
        elif key == "--out" and value:
            opts["out"] = value
        elif key == "--name" and value.replace("_", "").replace("-", "").isalnum():
            opts["name"] = value
        elif key == "--epochs" and value.isdigit() and 1 <= int(value) <= 99:
            opts["epochs"] = int(value)
        elif key == "--calibrate-rows" and value:
            opts["calibrate_rows"] = value.split(",")
        elif arg == "--validate-only":
            opts["validate_only"] = True
        else:
            usage("unknown or bad argument '%s'" % arg)
    return opts


def oversubscribed(doc, run):
    """Whether the run's quotas add up to more cores than the machine has."""
    cores = doc.get("machine", {}).get("cores")
    return cores is not None and sum(float(h["cores"]) for h in run["hosts"]) > cores + 1e-9


def validate(cal, runs):
    """Every measured run simulated: rows of predicted and measured figures."""
    rows = []
    for doc, run in runs:
        setup = cal.setup_of(doc, run)
        out = simulate(setup)
        rep = run["report"]
        measured = rep["train_seconds"]
        workers = sorted(rep["per_worker"], key=lambda w: w["node"])
        hosts = sorted(run["hosts"], key=lambda h: h["node"])
        rows.append({"run": run["run"], "row": run["row"], "link": run.get("link", "1gbit"),
                     "epochs": rep["epochs"], "wire": rep["wire"], "overlap": setup.overlap,
                     "partitioning": rep.get("partitioning", "static"),
                     "cores_per_host": run.get("cores_per_host") or ", ".join(
                         sorted({str(h["cores"]) for h in run["hosts"]}, reverse=True)),
                     "measured_seconds": measured, "predicted_seconds": out.seconds,
                     "error": out.seconds / measured - 1.0,
                     "oversubscribed": oversubscribed(doc, run),
                     "measured_waiting": [w["wait_seconds"] for w in workers],
                     "predicted_waiting": out.waiting,
                     "measured_chunks": [w.get("chunks", 0) for w in workers],
                     "predicted_chunks": out.chunks,
                     "measured_link_bytes_sent": [h["link_tx_bytes"] for h in hosts],
                     "predicted_link_bytes_sent": out.link_out})
    return rows


def main(argv):
    opts = parse(argv)
    runs = load_runs(opts["results"])
    chosen = runs
    if opts["calibrate_rows"]:
        chosen = [(d, r) for d, r in runs if r.get("row") in opts["calibrate_rows"]]
        if not chosen:
            usage("--calibrate-rows=%s: no run of those rows in %s"
                  % (",".join(opts["calibrate_rows"]), ",".join(opts["results"])))
    cal = Calibration(chosen)
    rows = validate(cal, runs)
    for r in rows:
        r["calibrated_on"] = opts["calibrate_rows"] is None or r["row"] in opts["calibrate_rows"]
        print("%-28s predicted %7.1f s  measured %7.1f s  error %+6.1f %%%s%s"
              % (r["run"], r["predicted_seconds"], r["measured_seconds"], 100 * r["error"],
                 "  (quotas above the machine's cores)" if r["oversubscribed"] else "",
                 "" if r["calibrated_on"] else "  (not calibrated on)"))
    preds = []
    if not opts["validate_only"]:
        preds = predictions.predict(cal, opts["epochs"],
                                    progress=lambda t: print("scaling_model: " + t, file=sys.stderr))
    write_results(opts, cal, rows, preds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
