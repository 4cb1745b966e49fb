#!/usr/bin/env bash
# caf-node validates its configuration before it opens anything: a misspelt
# key or a bad value in the INI file or on the command line ends with exit 2
# and a message naming the key (and file:line), where CAF alone would keep
# the default silently; a port already in use ends with exit 1 naming the
# port. The shipped config/node.ini is accepted as it is, and its node runs
# workers and servers detached (node.detached-actors; false on the command
# line puts them back on the scheduler, and the node says so).
source "$(dirname "$0")/lib.sh" "$@"
node=$(cd "$bin_dir/../node" && pwd)/caf-node
[[ -x $node ]] || fatal "no caf-node at $node"
read -r port other_port < <(free_ports 2)

# A node that wrongly accepts its options would run until stopped: `timeout`
# turns that into exit 124 instead of a hung test.
run_node() {
  timeout 10 "$node" "$@"
}

printf '[node]\nport = %s\nporrt = 1\n' "$port" >"$work/typo.ini"
expect_failure "unknown key in the INI file" 2 "typo.ini:3: unknown option 'node.porrt'" \
  run_node --config-file="$work/typo.ini"
printf '[node]\nworkers = 0\n' >"$work/range.ini"
expect_failure "value out of range in the INI file" 2 \
  "range.ini:2: option 'node.workers' expects an integer in \[1, 1024\]" \
  run_node --config-file="$work/range.ini" --node.port="$port"
printf '[middleman]\nheartbeat-interval = 1 s\n' >"$work/duration.ini"
expect_failure "malformed duration in the INI file" 2 \
  "duration.ini:2: option 'middleman.heartbeat-interval'" \
  run_node --config-file="$work/duration.ini" --node.port="$port"
expect_failure "missing INI file" 2 "no-such.ini" \
  run_node --config-file="$work/no-such.ini" --node.port="$port"
expect_failure "port out of range" 2 "option 'node.port' expects an integer in \[1, 65535\], got '70000'" \
  run_node --node.port=70000
expect_failure "workers not a number" 2 "option 'node.workers' expects an integer.*got 'abc'" \
  run_node --node.port="$port" --node.workers=abc
expect_failure "unknown option" 2 "unknown option 'node.wokers'" \
  run_node --node.port="$port" --node.wokers=2
expect_failure "bad scheduler policy" 2 "option 'scheduler.policy' expects one of" \
  run_node --node.port="$port" --scheduler.policy=fifo
expect_failure "detached-actors not a boolean" 2 "option 'node.detached-actors' expects" \
  run_node --node.port="$port" --node.detached-actors=maybe

# The shipped configuration starts a node (data-dir relative to the repo).
cd "$repo_dir" || fatal "cannot cd to $repo_dir"
caf_node_start "$node" shipped "$port" "$work/shipped.log" --config-file=config/node.ini \
  || fatal "caf-node with config/node.ini did not listen (see above)"
first=$caf_node_pid
check_eq "config/node.ini: node listens" \
  "$(grep -c "node shipped: listening on 127.0.0.1:$port (1 worker slots, 1 threads each, data in data)" "$work/shipped.log")" 1
check_eq "config/node.ini: workers and servers detached" \
  "$(grep -c "node shipped: workers and servers run detached, each on a thread of its own" "$work/shipped.log")" 1

# A second node on the same port.
expect_failure "port in use" 1 "cannot listen on 127.0.0.1:$port" \
  run_node --node.port="$port" --node.name=second
# The first node is unharmed: it still stops cleanly.
stop_within "$first" 5
check_eq "first node's exit status after SIGTERM" "$stop_rc" 0

# The command line wins over the INI file.
printf '[node]\nport = %s\n' "$port" >"$work/port.ini"
caf_node_start "$node" override "$other_port" "$work/override.log" \
  --config-file="$work/port.ini" --node.detached-actors=false \
  || fatal "caf-node with --node.port override did not listen (see above)"
pid=$caf_node_pid
check_eq "command line overrides the INI file's port" \
  "$(grep -c "listening on 127.0.0.1:$other_port " "$work/override.log")" 1
check_eq "node.detached-actors=false: the scheduler carries them" \
  "$(grep -c "node override: workers and servers run on the shared scheduler" "$work/override.log")" 1
stop_within "$pid" 5
check_eq "override node's exit status after SIGTERM" "$stop_rc" 0
finish
