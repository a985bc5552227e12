#!/usr/bin/env python3
"""Compare `netplay bench` with loadgen (echo), wrk (http) or redis-benchmark
(redis) on one server.

The measurement harness behind the netplay bench figures in
docs/benchmarks.md. It starts SERVER (a command printing "listening
HOST:PORT" first, or any server at --addr), then runs the two load
generators in turn, ABBA order (np lg lg np np lg ...) so drift in the
machine's load hits both alike, and prints per run: requests/s, the load
generator's CPU per request (user+sys from /usr/bin/time over replies) and
the server's CPU per request (/proc/PID/stat ticks over replies); then
medians and the median of per-pair ratios.

  compare.py --np bin/netplay-bench --peer /tmp/loadgen --server "bin/reactorecho -addr 127.0.0.1:0" \
      --rounds 6 -d 4s -c 50 --depth 1 --size 64
  compare.py --np ... --peer redis-benchmark --mode redis --cmd get --server "redis-server --port 6390 --save '' --appendonly no" \
      --addr 127.0.0.1:6390 --size 3 -n 200000
  compare.py --np ... --peer wrk --mode http --server "nginx -c /tmp/ngx/nginx.conf -p /tmp/ngx" \
      --addr 127.0.0.1:PORT --rounds 6 -d 4s -c 50

--np is a command that runs `netplay bench` (e.g. "netplay bench").
"""
import argparse, json, os, re, shlex, statistics, subprocess, time

TICK = os.sysconf('SC_CLK_TCK')


def proc_cpu(pid):
    f = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def timed(cmd):
    p = subprocess.run(['/usr/bin/time', '-f', 'TIME %U %S'] + cmd, capture_output=True, text=True, timeout=120)
    m = re.search(r'TIME ([\d.]+) ([\d.]+)', p.stderr)
    return p.stdout, float(m.group(1)) + float(m.group(2))


def run_np(a, hostport):
    url = {'http': 'http://' + hostport + '/', 'redis': 'redis://' + hostport}.get(a.mode, 'tcp://' + hostport)
    extra = ['--cmd', a.cmd] if a.mode == 'redis' else []
    out, cpu = timed(shlex.split(a.np) + [url, '-c', str(a.c), '-d', a.d, '--depth', str(a.depth),
                                          '--size', str(a.size), '--json'] + extra)
    j = json.loads(out)
    return j['rps'], j['requests'], cpu, f"p50={j['latency_us']['p50']:.0f}us p99={j['latency_us']['p99']:.0f}us errors={j['errors']}"


def run_peer(a, hostport):
    if a.mode == 'redis':
        host, port = hostport.rsplit(':', 1)
        out, cpu = timed([a.peer, '-h', host, '-p', port, '-c', str(a.c), '-n', str(a.n), '-P', str(a.depth),
                          '-d', str(a.size), '-t', a.cmd, '--csv'])
        rps = float(out.strip().splitlines()[-1].split(',')[1].strip('"'))
        return rps, a.n, cpu, out.strip().splitlines()[-1]
    if a.mode == 'http':
        out, cpu = timed([a.peer, '-t2', '-c', str(a.c), '-d', a.d, 'http://' + hostport + '/'])
        reqs = int(re.search(r'(\d+) requests in', out).group(1))
        rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
        errs = re.search(r'Non-2xx.*|Socket errors.*', out)
        return rps, reqs, cpu, errs.group(0) if errs else 'errors=0'
    out, cpu = timed([a.peer, '-addr', hostport, '-c', str(a.c), '-d', a.d, '-warmup', '0s',
                      '-depth', str(a.depth), '-size', str(a.size)])
    kv = dict(x.split('=') for x in out.split())
    return float(kv['rps']), int(kv['reqs']), cpu, f"p50={kv['p50_us']}us p99={kv['p99_us']}us errors={kv['errors']}/{kv['mismatches']}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--np', required=True)
    ap.add_argument('--peer', required=True)
    ap.add_argument('--server', required=True)
    ap.add_argument('--addr')
    ap.add_argument('--mode', default='echo')
    ap.add_argument('--rounds', type=int, default=6)
    ap.add_argument('-d', default='4s')
    ap.add_argument('-c', type=int, default=50)
    ap.add_argument('--depth', type=int, default=1)
    ap.add_argument('--size', type=int, default=64)
    ap.add_argument('--cmd', default='get', help='redis: the command both send (get, set, ping)')
    ap.add_argument('-n', type=int, default=200000, help='redis-benchmark -n')
    a = ap.parse_args()
    srv = subprocess.Popen(shlex.split(a.server), stdout=subprocess.PIPE, text=True)
    try:
        if a.addr:
            hostport = a.addr
            time.sleep(0.5)
        else:
            hostport = srv.stdout.readline().split()[-1]
        res = {'np': [], 'peer': []}
        order = []
        for r in range(a.rounds):
            order += ['np', 'peer'] if r % 2 == 0 else ['peer', 'np']
        for i, tool in enumerate(order):
            s0 = proc_cpu(srv.pid)
            rps, reqs, cpu, extra = (run_np if tool == 'np' else run_peer)(a, hostport)
            s1 = proc_cpu(srv.pid)
            row = (rps, cpu / reqs * 1e6, (s1 - s0) / reqs * 1e6)
            res[tool].append(row)
            print(f"{i // 2} {tool:4} rps={rps:9.0f} cli_us={row[1]:5.2f} srv_us={row[2]:5.2f} {extra}", flush=True)
    finally:
        srv.terminate()
        srv.wait()
    ratios = sorted(x[0] / y[0] for x, y in zip(res['np'], res['peer']))
    cpu_ratios = sorted(x[1] / y[1] for x, y in zip(res['np'], res['peer']))
    for tool, v in res.items():
        print(f"median {tool:4} rps={statistics.median(x[0] for x in v):9.0f} "
              f"cli_us={statistics.median(x[1] for x in v):5.2f} srv_us={statistics.median(x[2] for x in v):5.2f}")
    print(f"np/peer per pair: rps median {statistics.median(ratios):.2f} (range {ratios[0]:.2f}-{ratios[-1]:.2f}), "
          f"client CPU per request median {statistics.median(cpu_ratios):.2f} (range {cpu_ratios[0]:.2f}-{cpu_ratios[-1]:.2f})")


main()
