#!/usr/bin/env python3
"""Read RUM beacons from the Redis stream that ngx_http_rum_module writes.

An example of a downstream service, written to be copied: it reads the
stream as a member of a consumer group, so that several copies share the
work and an entry is handled again when a consumer dies before it
acknowledged it.

  * XGROUP CREATE ... MKSTREAM: the group is made when missing (and the
    stream with it, so the consumer may start before the first beacon);
  * XREADGROUP: first this consumer's own pending entries (id 0: what it
    had read but not acknowledged before a restart), then new ones (>);
  * XACK: after an entry has been handled;
  * XAUTOCLAIM: entries pending for longer than --claim-idle with another
    consumer (one that crashed or was scaled away) are taken over;
  * duplicates: nginx delivers at least once (it re-sends what Redis did
    not acknowledge before a reconnect), so the entry's `id` field (the
    beacon's own id) is remembered in a bounded set and repeats are dropped.

It prints one line per entry, and every --summary seconds the 75th
percentile of LCP, INP, CLS, FCP and TTFB per view.  With --http it also
serves a live page (live.html, beside this file) that shows the same p75s
per view and, per metric, the share of page views that are good, need
improvement or are poor by the Core Web Vitals thresholds, updating as
beacons arrive; /data.json has the numbers.

How the percentiles are sound: a page view sends several beacons (a
`sample` every samplingRate ms, then one when the page is hidden), each with
a higher `seq`, and each carrying the metrics as known at that moment (LCP
and CLS grow, INP is the worst interaction so far). Counting every beacon
would weigh long-lived views more, and count early, too-small values. So the
consumer keeps, per view instance (session id + view id + view.startTime,
from the field view_start when nginx extracts it, else from the payload),
each metric from the beacon with the highest seq that carried it, and the
percentiles are taken over view instances. Only the most recent
--keep-views instances are kept (a sliding window in memory).

Needs Python 3 and redis-py (Debian: apt-get install python3-redis).

Examples:
  consumer.py                                    # 127.0.0.1:6379, rum:beacons
  consumer.py --redis unix:/run/redis/redis.sock --password secret
  consumer.py --stream rum:shop.example --stream rum:blog.example
  consumer.py --redis 10.0.0.21:6379 --cluster --shards 12
  consumer.py --group dashboards --consumer dash-1 --summary 30
"""

import argparse
import collections
import http.server
import json
import math
import os
import signal
import socket
import sys
import threading
import time

try:
    import redis
except ImportError:
    sys.exit("consumer.py needs redis-py: apt-get install python3-redis "
             "(or pip install redis)")


METRICS = ("lcp", "inp", "cls", "fcp", "ttfb")

# good up to the first, poor above the second (web.dev's Core Web Vitals
# thresholds; FCP and TTFB as web.dev gives them too)
THRESHOLDS = {"lcp": (2500, 4000), "inp": (200, 500), "cls": (0.1, 0.25),
              "fcp": (1800, 3000), "ttfb": (800, 1800)}


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Consume the RUM stream written by ngx_http_rum_module: "
                    "print each entry and p75 of LCP/INP/CLS per view.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--redis", default="127.0.0.1:6379",
                   help="Redis address: HOST:PORT or unix:/path/to/socket")
    p.add_argument("--password", default=os.environ.get("REDIS_PASSWORD"),
                   help="Redis password (or $REDIS_PASSWORD)")
    p.add_argument("--user", default=None, help="Redis ACL user name")
    p.add_argument("--db", type=int, default=0, help="Redis database")
    p.add_argument("--cluster", action="store_true",
                   help="--redis is a node of a Redis Cluster: each stream "
                        "(shard) is read from the primary that serves it")
    p.add_argument("--stream", action="append", default=None,
                   help="stream key; repeat for several (default rum:beacons)")
    p.add_argument("--shards", type=int, default=0, metavar="N",
                   help="each --stream is sharded (rum_stream KEY "
                        "shards=N): read KEY:{0} ... KEY:{N-1}")
    p.add_argument("--group", default="rum-example",
                   help="consumer group (created when missing)")
    p.add_argument("--consumer", default=socket.gethostname(),
                   help="this consumer's name in the group; keep it stable "
                        "across restarts so that it finds its own pending "
                        "entries again")
    p.add_argument("--start", default="$",
                   help="where a new group starts: $ (new entries only) or "
                        "0 (the whole stream)")
    p.add_argument("--claim-idle", type=int, default=60000, metavar="MS",
                   help="take over entries pending this long with another "
                        "consumer (XAUTOCLAIM min-idle-time)")
    p.add_argument("--claim-every", type=float, default=30, metavar="S",
                   help="how often to look for such entries")
    p.add_argument("--count", type=int, default=100,
                   help="entries per XREADGROUP")
    p.add_argument("--block", type=int, default=1000, metavar="MS",
                   help="XREADGROUP BLOCK time")
    p.add_argument("--summary", type=float, default=10, metavar="S",
                   help="print the p75 summary every S seconds (0: never)")
    p.add_argument("--keep-views", type=int, default=50000,
                   help="view instances kept for the percentiles")
    p.add_argument("--keep-ids", type=int, default=100000,
                   help="recent entry ids kept to drop duplicates")
    p.add_argument("--quiet", action="store_true",
                   help="no line per entry, only the summaries")
    p.add_argument("--duration", type=float, default=0, metavar="S",
                   help="stop after S seconds (0: run until interrupted)")
    p.add_argument("--http", default=None, metavar="HOST:PORT",
                   help="serve the live page (and /data.json) there")
    args = p.parse_args(argv)
    if not args.stream:
        args.stream = ["rum:beacons"]
    if args.shards:
        args.stream = ["%s:{%d}" % (s, i) for s in args.stream
                       for i in range(args.shards)]
    return args


def connect(args):
    common = dict(password=args.password, username=args.user,
                  decode_responses=True, encoding_errors="replace",
                  socket_connect_timeout=5, health_check_interval=30)
    if args.redis.startswith("unix:"):
        return redis.Redis(unix_socket_path=args.redis[5:], db=args.db,
                           **common)
    host, _, port = args.redis.rpartition(":")
    if not host:
        host, port = args.redis, "6379"
    if args.cluster:
        # redis-py finds the other nodes and follows MOVED and ASK
        from redis.cluster import RedisCluster
        return RedisCluster(host=host.strip("[]"), port=int(port), **common)
    return redis.Redis(host=host.strip("[]"), port=int(port), db=args.db,
                       **common)


class RecentIds:
    """A set that remembers the last `size` ids (insertion order)."""

    def __init__(self, size):
        self.size = size
        self.order = collections.deque()
        self.ids = set()

    def seen(self, key):
        """True when key was seen before; remembers it otherwise."""
        if key in self.ids:
            return True
        self.ids.add(key)
        self.order.append(key)
        if len(self.order) > self.size:
            self.ids.discard(self.order.popleft())
        return False


def p75(values):
    """The 75th percentile, nearest-rank method (a value that occurred)."""
    if not values:
        return None
    values = sorted(values)
    return values[max(0, math.ceil(0.75 * len(values)) - 1)]


def number(s):
    try:
        v = float(s)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


class Views:
    """Latest metrics per view instance, and p75 per view over them."""

    def __init__(self, size):
        self.size = size
        self.instances = collections.OrderedDict()

    def add(self, fields):
        metrics = {m: number(fields.get(m)) for m in METRICS}
        metrics = {m: v for m, v in metrics.items() if v is not None}
        if not metrics:
            return
        view = fields.get("view") or "?"
        # the view's start time tells two visits of one page apart; take it
        # from a top-level field when nginx extracts it (rum_extract
        # view_start view.startTime), else from the payload
        start = fields.get("view_start")
        if start is None:
            try:
                start = json.loads(fields.get("payload") or "{}") \
                    .get("view", {}).get("startTime")
            except (ValueError, AttributeError):
                pass
        key = (fields.get("session"), view, start)
        seq = number(fields.get("seq"))
        seq = -1 if seq is None else seq
        inst = self.instances.pop(key, None) or {"view": view, "m": {}}
        for m, v in metrics.items():
            old = inst["m"].get(m)
            if old is None or seq >= old[0]:
                inst["m"][m] = (seq, v)
        self.instances[key] = inst          # most recently updated last
        while len(self.instances) > self.size:
            self.instances.popitem(last=False)

    def summary(self):
        per_view = collections.defaultdict(lambda: {m: [] for m in METRICS})
        count = collections.Counter()
        sessions = set()
        for (session, _, _), inst in self.instances.items():
            sessions.add(session)
            count[inst["view"]] += 1
            for m, (_, v) in inst["m"].items():
                per_view[inst["view"]][m].append(v)
        rows = []
        for view in sorted(per_view, key=lambda v: (-count[v], v)):
            rows.append((view, count[view],
                         *(p75(per_view[view][m]) for m in METRICS)))
        return rows, len(self.instances), len(sessions)

    def shares(self):
        """Per metric: view instances good, needing improvement, poor."""
        out = {m: {"good": 0, "ni": 0, "poor": 0} for m in METRICS}
        for inst in self.instances.values():
            for m, (_, v) in inst["m"].items():
                good, poor = THRESHOLDS[m]
                out[m]["good" if v <= good else "poor" if v > poor
                       else "ni"] += 1
        return out


def fmt_ms(v):
    return "-" if v is None else "%d" % round(v)


def fmt_cls(v):
    return "-" if v is None else "%.3f" % v


FORMAT = {"lcp": fmt_ms, "inp": fmt_ms, "cls": fmt_cls, "fcp": fmt_ms,
          "ttfb": fmt_ms}


def entry_line(fields):
    ts = number(fields.get("ts"))
    when = time.strftime("%H:%M:%S", time.localtime(ts / 1000)) \
        if ts else "--:--:--"
    parts = [when, "%-7s" % (fields.get("kind") or "sample"),
             "%-16s" % (fields.get("view") or "-")]
    if fields.get("seq") is not None:
        parts.append("seq=%s" % fields["seq"])
    for m in ("lcp", "inp", "cls"):
        f = FORMAT[m]
        v = number(fields.get(m))
        if v is not None:
            parts.append("%s=%s" % (m.upper(), f(v)))
    parts.append(fields.get("url") or "")
    return "  ".join(parts)


class Consumer:

    def __init__(self, args):
        self.args = args
        self.r = connect(args)
        self.ids = RecentIds(args.keep_ids)
        self.views = Views(args.keep_views)
        self.stats = collections.Counter()
        self.stop = False
        self.lock = threading.Lock()        # the live page reads views
        self.last = {}                      # the last entry handled

    def ensure_groups(self):
        for s in self.args.stream:
            try:
                self.r.xgroup_create(s, self.args.group, id=self.args.start,
                                     mkstream=True)
            except redis.ResponseError as e:
                if "BUSYGROUP" not in str(e):
                    raise

    def handle(self, stream, entries):
        """Handle entries of one stream and acknowledge them."""
        done = []
        for stream_id, fields in entries:
            done.append(stream_id)
            if not fields:                  # trimmed away while pending
                self.stats["gone"] += 1
                continue
            beacon = fields.get("id") or stream_id
            if self.ids.seen((stream, beacon)):
                self.stats["duplicates"] += 1
                continue
            self.stats["entries"] += 1
            with self.lock:
                self.views.add(fields)
                self.last[stream] = stream_id
            if not self.args.quiet:
                prefix = stream + "  " if len(self.args.stream) > 1 else ""
                print(prefix + entry_line(fields))
        if done:
            self.r.xack(stream, self.args.group, *done)

    def read(self, backlog):
        """One XREADGROUP; returns True when entries came."""
        ids = {s: ("0" if backlog else ">") for s in self.args.stream}
        if self.args.cluster and len(ids) > 1:
            # the shards live in different slots: one read each, no wait
            reply = []
            for s, i in ids.items():
                reply += self.r.xreadgroup(self.args.group,
                                           self.args.consumer, {s: i},
                                           count=self.args.count) or []
            if not backlog and not any(e for _, e in reply):
                time.sleep(min(self.args.block, 100) / 1000)
        else:
            reply = self.r.xreadgroup(self.args.group, self.args.consumer,
                                      ids, count=self.args.count,
                                      block=None if backlog
                                      else self.args.block)
        got = False
        for stream, entries in reply or []:
            if entries:
                got = True
                self.handle(stream, entries)
        return got

    def claim(self):
        """XAUTOCLAIM what other consumers left pending too long."""
        for s in self.args.stream:
            start = "0-0"
            while True:
                reply = self.r.xautoclaim(s, self.args.group,
                                          self.args.consumer,
                                          self.args.claim_idle,
                                          start_id=start,
                                          count=self.args.count)
                start, entries = reply[0], reply[1]
                if entries:
                    self.stats["claimed"] += len(entries)
                    self.handle(s, entries)
                if start in ("0-0", b"0-0"):
                    break

    def print_summary(self, only_if_new=False):
        rows, n, sessions = self.views.summary()
        st = self.stats
        state = (st["entries"], st["duplicates"], st["claimed"])
        if only_if_new and state == getattr(self, "printed", None):
            return
        self.printed = state
        print("-- p75 per view: %d view instances, %d sessions; %d entries, "
              "%d duplicates dropped, %d claimed --"
              % (n, sessions, st["entries"], st["duplicates"], st["claimed"]))
        if rows:
            print("   %-24s %6s %8s %8s %8s %8s %8s"
                  % ("view", "views", "LCP ms", "INP ms", "CLS", "FCP ms",
                     "TTFB ms"))
            for view, cnt, *values in rows:
                print("   %-24s %6d %8s %8s %8s %8s %8s"
                      % (view[:24], cnt, *(FORMAT[m](v) for m, v
                                           in zip(METRICS, values))))

    def data(self):
        """What the live page shows, as JSON."""
        with self.lock:
            rows, n, sessions = self.views.summary()
            shares = self.views.shares()
            overall = {m: p75([inst["m"][m][1]
                               for inst in self.views.instances.values()
                               if m in inst["m"]]) for m in METRICS}
            last = dict(self.last)
        return {
            "streams": self.args.stream,
            "last": last,
            "views": n,
            "sessions": sessions,
            "entries": self.stats["entries"],
            "duplicates": self.stats["duplicates"],
            "thresholds": THRESHOLDS,
            "p75": [dict(view=view, count=cnt, **dict(zip(METRICS, values)))
                    for view, cnt, *values in rows],
            "shares": shares,
            "overall": overall,
        }

    def serve(self, address):
        """The live page and /data.json, in a thread of their own."""
        host, _, port = address.rpartition(":")
        page = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "live.html")
        consumer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?")[0]
                if path in ("/", "/live.html"):
                    with open(page, "rb") as f:
                        body, ctype = f.read(), "text/html; charset=utf-8"
                elif path == "/data.json":
                    body = json.dumps(consumer.data()).encode()
                    ctype = "application/json"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer((host or "127.0.0.1",
                                                  int(port)), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        print("consumer: the live page is at http://%s/" % address)

    def run(self):
        a = self.args
        end = time.monotonic() + a.duration if a.duration else None
        next_summary = time.monotonic() + a.summary if a.summary else None
        next_claim = time.monotonic()
        backlog = True
        delay = 0.5
        ready = False
        while not self.stop and (end is None or time.monotonic() < end):
            try:
                if not ready:
                    self.ensure_groups()
                    ready, delay, backlog = True, 0.5, True
                if time.monotonic() >= next_claim:
                    self.claim()
                    next_claim = time.monotonic() + a.claim_every
                got = self.read(backlog)
                if backlog and not got:
                    backlog = False
            except (redis.ConnectionError,
                    redis.exceptions.ClusterDownError) as e:
                print("consumer: Redis %s: %s; retrying in %.1f s"
                      % (a.redis, e, delay), file=sys.stderr)
                ready = False
                time.sleep(delay)
                delay = min(delay * 2, 10)
            except redis.ResponseError as e:
                if "NOGROUP" in str(e):     # the stream was deleted
                    ready = False
                    continue
                raise
            if next_summary and time.monotonic() >= next_summary:
                self.print_summary()
                next_summary = time.monotonic() + a.summary


def main():
    args = parse_args()
    try:
        sys.stdout.reconfigure(line_buffering=True)
    except AttributeError:
        pass
    c = Consumer(args)

    def stop(*_):
        c.stop = True
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("consumer: reading %s as %s/%s from %s"
          % (", ".join(args.stream), args.group, args.consumer, args.redis))
    if args.http:
        c.serve(args.http)
    c.run()
    if args.summary:
        c.print_summary(only_if_new=True)


if __name__ == "__main__":
    main()
