"""simulator: a discrete-event model of one training run of this runtime.

What it models (libactors/src/runtime/worker.cpp, parameter_server.cpp,
cluster/chunk_queue.cpp; ADAG, push_then_pull, the exchange_atom path):
- H hosts, one worker each, host h held to `shares[h]` cores; worker w on
  host w. The parameter server is split into S shards (contiguous ranges of
  n / S values), shard j on host j; S = 1 is today's single server on host 0.
- Work: chunks of one window (batch x window samples). Dynamic
  partitioning: one queue, a worker takes the next chunk when it starts one
  (faster workers take more); static: C // H chunks each.
- A chunk costs the worker `compute_seconds_per_sample / share` per sample.
- At a chunk's end the worker exchanges: it spends its codec CPU (encoding
  the commit, decoding the reply: `worker_codec_core_seconds_per_value` per
  value it sends to a shard on another host, / share), then sends each
  shard its range; with overlap it trains the next chunk at once (at most
  one exchange in flight: a chunk that ends with one still in flight waits
  for its reply, that wait is the worker's waiting time); without overlap it
  waits for the replies first.
- A shard is one actor: a FIFO, one message at a time, each costing
  `apply_core_seconds_per_value` per value (the trainer's rule), plus
  `server_codec_core_seconds_per_value` per value for a worker on another
  host (decoding its commit, encoding its centre delta, serializing), at
  its host's share. It answers each commit with its range of the centre.
- Links: every host has an uplink and a downlink (tbf shapes both), each a
  FIFO at `link_bytes_per_second` after Ethernet framing; a message leaves
  its sender's uplink and enters the receiver's downlink cut-through (the
  later of: its last byte left + latency; the downlink free + its own
  transfer time). A message inside one host takes no time and no bytes.
- A host running shards lends them CPU: its worker computes at its share
  less the shards' mean CPU use over the run (fixed point over a few runs
  of the simulation).
Time = when the last worker has its last reply (train_mnist's train
seconds; connect, load and the final evaluation are outside).

Not modelled: the driver's evaluations and checkpoints, CAF message
headers, TCP slow start, CFS's scheduling within a quota period.
"""
import heapq
import itertools
from dataclasses import dataclass, field

from wire_bytes import WIRE_FRAMING, codec_bytes, link_bytes


@dataclass
class Setup:
    """One run to simulate; costs in seconds of one core."""
    hosts: int
    shares: list
    values: int
    codec: str
    samples_per_chunk: int
    chunks: int
    compute_seconds_per_sample: dict  # share -> wall seconds per sample
    apply_core_seconds_per_value: float
    worker_codec_core_seconds_per_value: float
    server_codec_core_seconds_per_value: float
    link_bytes_per_second: float
    latency_seconds: float = 0.0
    shards: int = 1
    overlap: bool = True
    dynamic: bool = True
    framing: float = WIRE_FRAMING   # link bytes per payload byte


@dataclass
class Outcome:
    seconds: float
    busy: list = field(default_factory=list)      # per worker, s
    waiting: list = field(default_factory=list)   # per worker, s
    chunks: list = field(default_factory=list)    # per worker
    shard_cpu: list = field(default_factory=list)  # per shard, core s
    link_out: list = field(default_factory=list)  # per host, bytes sent
    link_in: list = field(default_factory=list)   # per host, bytes received

    def bottleneck(self, setup):
        """'link' or 'server' when the busiest link or shard was busy
        most of the run (>= 85 %), else 'compute'."""
        rate = setup.link_bytes_per_second * self.seconds
        link = max(max(self.link_out), max(self.link_in)) / rate if rate > 0 else 0
        server = max(c / setup.shares[j] for j, c in enumerate(self.shard_cpu)) / self.seconds
        if max(link, server) < 0.85:
            return "compute"
        return "link" if link >= server else "server"


def seconds_per_sample(setup, share):
    """Compute seconds per sample at `share`: the measured figure at that
    share, else the nearest measured one scaled by share ratio."""
    table = setup.compute_seconds_per_sample
    if share in table:
        return table[share]
    near = min(table, key=lambda s: abs(s - share))
    return table[near] * near / share


def shard_ranges(values, shards):
    """Sizes of the S contiguous ranges (the first ones one longer)."""
    base, extra = divmod(values, shards)
    return [base + (1 if j < extra else 0) for j in range(shards)]


class _Links:
    """Every host's uplink and downlink as FIFOs."""

    def __init__(self, setup):
        self.rate = setup.link_bytes_per_second
        self.latency = setup.latency_seconds
        self.framing = setup.framing
        self.up_free = [0.0] * setup.hosts
        self.down_free = [0.0] * setup.hosts
        self.out = [0.0] * setup.hosts
        self.into = [0.0] * setup.hosts

    def send(self, now, src, dst, payload):
        """Arrival time of `payload` bytes sent from src to dst at now."""
        if src == dst:
            return now
        wire = link_bytes(payload, self.framing)
        self.out[src] += wire
        self.into[dst] += wire
        transfer = wire / self.rate
        start_up = max(now, self.up_free[src])
        end_up = start_up + transfer
        self.up_free[src] = end_up
        start_down = max(start_up + self.latency, self.down_free[dst])
        end_down = max(end_up + self.latency, start_down + transfer)
        self.down_free[dst] = end_down
        return end_down


class _Run:
    """One pass of the simulation at fixed worker speeds."""

    def __init__(self, setup, worker_shares):
        self.s = setup
        self.links = _Links(setup)
        self.ranges = shard_ranges(setup.values, setup.shards)
        self.events, self.seq = [], itertools.count()
        self.per_chunk = [seconds_per_sample(setup, setup.shares[h]) * setup.shares[h]
                          / worker_shares[h] * setup.samples_per_chunk
                          for h in range(setup.hosts)]
        self.queue_left = setup.chunks
        self.static_left = [setup.chunks // setup.hosts] * setup.hosts
        self.shard_free = [0.0] * setup.shards
        self.shard_cpu = [0.0] * setup.shards
        h = setup.hosts
        self.busy, self.waiting, self.taken = [0.0] * h, [0.0] * h, [0] * h
        self.in_flight = [0] * h          # replies still to come
        self.chunk_done_at = [None] * h   # a finished chunk waiting to send
        self.finish = [None] * h
        self.idle = [False] * h           # no chunk left to take
        self.sent_at = [0.0] * h

    def at(self, time, kind, *args):
        heapq.heappush(self.events, (time, next(self.seq), kind, args))

    def take_chunk(self, w):
        if self.s.dynamic:
            if self.queue_left == 0:
                return False
            self.queue_left -= 1
        else:
            if self.static_left[w] == 0:
                return False
            self.static_left[w] -= 1
        self.taken[w] += 1
        return True

    def start_chunk(self, w, now):
        if self.take_chunk(w):
            self.busy[w] += self.per_chunk[w]
            self.at(now + self.per_chunk[w], "chunk_end", w)
        else:
            self.idle[w] = True
            self.maybe_finish(w, now)

    def maybe_finish(self, w, now):
        if self.idle[w] and self.in_flight[w] == 0 and self.finish[w] is None:
            self.finish[w] = now

    def send_exchange(self, w, now):
        s = self.s
        remote = sum(n for j, n in enumerate(self.ranges) if j != w)
        encode = s.worker_codec_core_seconds_per_value * remote / s.shares[w]
        self.busy[w] += encode
        sent = now + encode
        self.in_flight[w] = s.shards
        self.sent_at[w] = sent
        for j, n in enumerate(self.ranges):
            arrive = self.links.send(sent, w, j, codec_bytes(s.codec, n) if j != w else 0)
            self.at(arrive, "commit", w, j)
        return sent

    def on_chunk_end(self, w, now):
        if self.in_flight[w] > 0:      # overlap: the last exchange is still out
            self.chunk_done_at[w] = now
            return
        sent = self.send_exchange(w, now)
        if self.s.overlap:
            self.start_chunk(w, sent)

    def on_commit(self, w, j, now):
        s = self.s
        per_value = s.apply_core_seconds_per_value
        if j != w:
            per_value += s.server_codec_core_seconds_per_value
        cost = per_value * self.ranges[j] / s.shares[j]
        start = max(now, self.shard_free[j])
        self.shard_free[j] = start + cost
        self.shard_cpu[j] += cost * s.shares[j]
        back = codec_bytes(s.codec, self.ranges[j]) if j != w else 0
        self.at(self.links.send(start + cost, j, w, back), "reply", w)

    def on_reply(self, w, now):
        self.in_flight[w] -= 1
        if self.in_flight[w] > 0:
            return
        if self.chunk_done_at[w] is not None:  # overlap: a chunk waited
            self.waiting[w] += now - self.chunk_done_at[w]
            self.chunk_done_at[w] = None
            sent = self.send_exchange(w, now)
            self.start_chunk(w, sent)
        elif not self.s.overlap:          # the worker waited for this reply
            self.waiting[w] += now - self.sent_at[w]
            self.start_chunk(w, now)
        else:
            self.maybe_finish(w, now)

    def run(self):
        for w in range(self.s.hosts):
            self.start_chunk(w, 0.0)
        handlers = {"chunk_end": self.on_chunk_end, "commit": self.on_commit,
                    "reply": self.on_reply}
        now = 0.0
        while self.events:
            now, _, kind, args = heapq.heappop(self.events)
            handlers[kind](*args, now)
        self.finish = [now if f is None else f for f in self.finish]
        return Outcome(max(self.finish), self.busy, self.waiting, self.taken,
                       self.shard_cpu, self.links.out, self.links.into)


def simulate(setup, rounds=3):
    """The run's Outcome: worker speeds on shard hosts reduced by the shards'
    mean CPU use, `rounds` passes to a fixed point."""
    if setup.hosts < 1 or not 1 <= setup.shards <= setup.hosts:
        raise ValueError("need 1 <= shards (%d) <= hosts (%d)" % (setup.shards, setup.hosts))
    shares = list(setup.shares)
    outcome = None
    for _ in range(rounds):
        outcome = _Run(setup, shares).run()
        shares = list(setup.shares)
        for j, cpu in enumerate(outcome.shard_cpu):
            lent = cpu / outcome.seconds if outcome.seconds > 0 else 0.0
            shares[j] = max(setup.shares[j] * 0.05, setup.shares[j] - lent)
    return outcome
