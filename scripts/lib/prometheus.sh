# shellcheck shell=bash
# prometheus.sh: a throw-away Prometheus for tests and bench/ (sourced, not
# run; needs common.sh's wait helpers, curl and jq). Debian's `prometheus`
# package provides the server and promtool (scripts/setup.sh installs it).
# Like common.sh, the helpers return non-zero with a message instead of
# exiting and set no shell options.

# prometheus_start DIR PORT INTERVAL TARGET_GROUP...: writes DIR/prometheus.yml
# scraping every INTERVAL (e.g. 1s) the groups TARGET_GROUP, each
# "JOB=host:port[,host:port...]", keeps its data in DIR/data, listens on
# 127.0.0.1:PORT and waits up to 30 s until /-/ready answers. Sets
# prometheus_pid; calls `track_pid PID` at once when the caller defines it.
# Its log is DIR/prometheus.log.
prometheus_start() {
  local dir=$1 port=$2 interval=$3 group job targets t
  shift 3
  mkdir -p "$dir/data"
  {
    echo "global:"
    echo "  scrape_interval: $interval"
    echo "  scrape_timeout: $interval"
    echo "scrape_configs:"
    for group in "$@"; do
      job=${group%%=*}
      targets=${group#*=}
      echo "  - job_name: $job"
      echo "    static_configs:"
      echo "      - targets:"
      for t in ${targets//,/ }; do
        echo "          - '$t'"
      done
    done
  } >"$dir/prometheus.yml"
  prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$port" >"$dir/prometheus.log" 2>&1 &
  prometheus_pid=$!
  declare -F track_pid >/dev/null && track_pid "$prometheus_pid"
  wait_ready "prometheus_start: prometheus on 127.0.0.1:$port" "$prometheus_pid" \
    "$dir/prometheus.log" 30 curl -sf "http://127.0.0.1:$port/-/ready"
}

# prom_query PORT QUERY: the instant vector QUERY (PromQL) evaluates to on
# the Prometheus at 127.0.0.1:PORT, through its HTTP API, one line per
# series: its labels as JSON, a tab, its value. Nothing for an empty result;
# status 1 (with a message) if the API answers with an error.
prom_query() {
  local answer
  answer=$(curl -sf -G "http://127.0.0.1:$1/api/v1/query" --data-urlencode "query=$2") || {
    echo "prom_query: no answer from 127.0.0.1:$1 for '$2'" >&2
    return 1
  }
  if [[ $(jq -r .status <<<"$answer") != success ]]; then
    echo "prom_query: '$2': $answer" >&2
    return 1
  fi
  jq -r '.data.result[] | "\(.metric | tojson)\t\(.value[1])"' <<<"$answer"
}

# prom_sum PORT QUERY: the sum of QUERY's values (0 for an empty result).
prom_sum() {
  local out
  out=$(prom_query "$1" "$2") || return 1
  awk -F'\t' '{ s += $2 } END { printf "%.15g\n", s + 0 }' <<<"$out"
}
