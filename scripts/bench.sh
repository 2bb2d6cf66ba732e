#!/usr/bin/env bash
# Runs every Go benchmark in every module of the workspace and writes the results,
# with the machine, the date and two calibration figures, to docs/benchmarks.md.
# Benchmarks report their own figures (p50-ms, p99-ms, events/s, ...) through
# b.ReportMetric.
#
# PostgreSQL runs durable (fsync, synchronous_commit and full_page_writes on, as
# in production): the test harness reads CROSSDOCK_BENCH_DURABLE. The calibration
# benchmarks in pkg/testkit (one durable commit at a time; a fixed SHA-256 loop)
# run in the same pass, so figures from different hosts can be compared.
# Packages run one at a time (-p 1): go test otherwise builds the next package's
# test binary while a benchmark runs, and the compiler's load shows up in the
# latency figures.
set -euo pipefail
cd "$(dirname "$0")/.."

export CROSSDOCK_BENCH_DURABLE=1

out=docs/benchmarks.md
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

for dir in $(go list -m -f '{{.Dir}}'); do
  if grep -rqs --include='*_test.go' -E '^func Benchmark' "$dir"; then
    echo "== $(basename "$dir")" >&2
    (cd "$dir" && go test -p 1 -run '^$' -bench . -benchmem ./... 2>&1) | tee -a "$raw" >&2
  fi
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
pgv=$( ("$pgbin/postgres" --version) 2>/dev/null || echo "PostgreSQL unknown")

# metric BENCH UNIT prints the figure reported with UNIT on BENCH's line.
metric() {
  awk -v b="$1" -v u="$2" '$1 ~ "^"b"(-[0-9]+)?$" { for (i = 3; i <= NF; i++) if ($i == u) { print $(i-1); exit } }' "$raw"
}
durable=$(metric BenchmarkCalibrationCommit durable)
if [ "${durable%%.*}" != "1" ]; then
  echo "bench: the calibration commit did not run on a durable PostgreSQL (durable=${durable:-missing})" >&2
  exit 1
fi
calib_commit="one durable commit (INSERT, one at a time) p50 $(metric BenchmarkCalibrationCommit p50-µs) µs, p99 $(metric BenchmarkCalibrationCommit p99-µs) µs"
calib_cpu="CPU loop (SHA-256 of 16 MiB) $(metric BenchmarkCalibrationCPU ns/op) ns"
calib_kernel="a system call (getpid) $(metric BenchmarkCalibrationSyscall/getpid ns/op) ns, a loopback TCP round trip $(metric BenchmarkCalibrationSyscall/loopback-round-trip cpu-µs/op) µs of CPU"

{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` (scripts/bench.sh); do not edit by hand."
  echo
  echo "- Date: $(date -u +%Y-%m-%d)"
  echo "- CPU: ${cpu:-unknown}, $(nproc) cores, ${mem}"
  echo "- Kernel: $(uname -sr)"
  echo "- $(go version | cut -d' ' -f3-), ${pgv}"
  echo "- PostgreSQL durable: fsync, synchronous_commit and full_page_writes on (as \`crossdock up\`"
  echo "  and the deployment run it); NATS embedded, file store."
  echo "- Calibration, measured in this run: ${calib_commit}; ${calib_cpu}; ${calib_kernel}."
  echo
  echo "| package | benchmark | figures |"
  echo "|---|---|---|"
  awk '
    /^pkg: / { pkg = $2 }
    /^Benchmark/ {
      name = $1; sub(/-[0-9]+$/, "", name)
      figs = ""
      for (i = 3; i < NF; i += 2) figs = figs (figs == "" ? "" : ", ") $i " " $(i+1)
      printf "| %s | %s | %s |\n", pkg, name, figs
    }' "$raw"
  echo
  echo "## Goals and notes"
  echo
  echo "- Every database-bound figure pays for durable commits: compare it with the calibration"
  echo "  commit latency above before comparing hosts (a disk whose flush takes 10 ms caps one"
  echo "  connection at 100 commits/s, whatever the code does)."
  echo "- Outbox → consumer at 1,000 events/s: goal p99 under 20 ms on a 2-core machine"
  echo "  (BenchmarkOutboxToConsumerAt1000PerSecond: from the event's commit returning to its handler"
  echo "  running, one event per transaction). Throughput goal ≥ 10,000 events/s"
  echo "  (BenchmarkOutboxToConsumerThroughput: 16 writers commit 100 events per transaction while"
  echo "  the relay and one consumer run; events/s is end to end, until the last handler ran)."
  echo "  Both run with a per-event handler (handler=each: one statement per event, as most"
  echo "  consumers) and with a batch handler (handler=batch: one statement per batch). The relay"
  echo "  claims and publishes batches with asynchronous acknowledgements; the consumer applies"
  echo "  a fetched batch in one transaction (docs/adr/0010-batched-commits.md)."
  echo "- Logins are bound by argon2id with the OWASP parameters reported beside the figure"
  echo "  (m in KiB, t, p); each login costs one hash, by design."
  echo "- Token verification in the gateway: BenchmarkAccessMiddleware (Ed25519 verify, rate-limit"
  echo "  lookups) and BenchmarkVerify in pkg/auth (the verification alone: a token seen first, signature"
  echo "  checked, and one remembered from an earlier request, serial and parallel)."
  echo "- Gateway overhead: BenchmarkGatewayOverhead reads the caller's profile 2,000 times through"
  echo "  the gateway's REST route and directly over gRPC on the running local mesh; overhead ="
  echo "  gateway − direct at the same quantile."
  echo "- Browse: BenchmarkSearch (catalog) searches 100,000 listed products the way a buyer's browse"
  echo "  does (a top-level category with its descendants, a text query, price sort, first page of 20,"
  echo "  some in German, some with a price range) through the service's use case on PostgreSQL."
  echo "- Reservations: BenchmarkReserveSpreadSKUs (1,000 SKUs) and BenchmarkReserveHotSKU (every"
  echo "  reservation on one SKU) reserve one unit per order from 16 and from 64 concurrent callers;"
  echo "  reservations/s is the committed rate. Goals ≥ 3,000/s spread and ≥ 1,000/s on one hot SKU:"
  echo "  concurrent reservations are group-committed, many per transaction, so a batch is as large"
  echo "  as the callers waiting and the rate grows with them; 64 callers is what a service taking"
  echo "  3,000 checkouts a second at about 20 ms each has in flight (docs/adr/0010-batched-commits.md)."
  echo "- Ledger: BenchmarkLedgerTransfers pays from 256 concurrent callers (two transfers a"
  echo "  payment, 1,000 funded wallets) and reports committed transfers/s, goal ≥ 5,000/s;"
  echo "  BenchmarkLedgerPaymentAt1000PerSecond offers 1,000 payments/s for 3 s, goal p99 under"
  echo "  10 ms. Commands are group-committed (docs/adr/0011-ledger.md); compare with the"
  echo "  calibration commit above, PostgreSQL's own single-commit rate on the same host."
  echo "- Freight estimate: BenchmarkEstimate with 100,000 and 1,000,000 records in the window (80 %"
  echo "  on the busy route), goal p99 under 5 ms at 1,000,000; matched/op is how many records the"
  echo "  classification looked at per estimate, load-s the route's first load into memory."
  echo "  BenchmarkIngest is ImportShipments' use case in batches of 1,000 (records/s)."
  echo "- Tracking: BenchmarkTrackingIngestion applies carrier tracking events the way webhooks"
  echo "  bring them (dedup, the parcel locked, position, distance and ETA updated, the event"
  echo "  recorded) from 32 senders over 10,000 parcels, goal ≥ 2,000 events/s; concurrent events"
  echo "  share transactions, applied set-wise (docs/adr/0015-logistics.md). BenchmarkWhereIsMyParcel"
  echo "  offers 1,000 buyer reads/s (position, distance left, ETA, legs, latest events) for 5 s"
  echo "  with the pool warm and after a second's warm-up, among 100,000 active parcels, goal p99 under 10 ms; latency"
  echo "  counts from when each read was due."
  echo "- Checkout and payment: BenchmarkCheckoutAndPay (e2e) runs \`crossdock load\` through the gateway on"
  echo "  the whole local mesh (every service, the simulators, PostgreSQL durable, logs at info), after a 15 s"
  echo "  warm-up at 20/s, for 20 s at 10, 20, 40 and 100 journeys/s; a journey is a listings search, a"
  echo "  checkout of 1 to 3 demo SKUs from both suppliers and its payment from the wallet. Goals: ≥ 300"
  echo "  checkouts+payments/s with < 0.1 % errors, checkout p99 < 30 ms, placed→paid p99 < 200 ms."
  echo "  **Throughput not met on this machine**: the mesh saturates its 2 cores at about 80 journeys/s (65–85"
  echo "  over the runs of 2026-12-04; about 70, 60 and 40 before earlier rounds of work; failed-% at 100/s is"
  echo "  arrivals dropped at the generator's in-flight bound, not errors; latency then grows with the queue)."
  echo "  On 2026-12-06, a fresh mesh (pprof on, LOG_LEVEL=info) took 100/s offered for 40 s with nothing"
  echo "  dropped and no error (98.3/s achieved, checkout p99 668 ms, placed→paid p99 805 ms: saturated) and"
  echo "  150/s offered for 30 s at 106/s (1,185 arrivals dropped); later that day three fresh meshes, each after a 15 s warm-up at"
  echo "  20/s, took 150/s offered for 30 s at 123.8 and 121.4/s with the Go runtime's default collector"
  echo "  (GOGC=100) and 132.1/s with GOGC=400 (checkout p50 716 against 781–809 ms, no error in any run):"
  echo "  about 8 % from collecting less often, so \`crossdock up\` now sets GOGC=400; calibration that day, fsync on: one durable"
  echo "  commit p50 237 µs, p99 356 µs, CPU loop 9.54 ms, getpid 67 ns, a loopback round trip 4.5 µs of CPU (a"
  echo "  system call 15 times cheaper than on 2026-12-05: the host more than the code likely moved the saturation up from"
  echo "  about 80/s). The same evening, the code unchanged and the host's system calls slow again"
  echo "  (getpid 1145 ns, a loopback round trip 25 µs of CPU, CPU loop 9.91 ms), a fresh mesh (pprof on, PostgreSQL durable: fsync on) after a 15 s"
  echo "  warm-up at 20/s took 150/s offered for 30 s at 79.5 and 89.9/s and for 60 s at 83.9/s, no error in any"
  echo "  run: about 24 ms of CPU a journey counted from /proc over the whole 30 s run (its setup's sign-ups"
  echo "  excepted), the largest shares orders' PostgreSQL backends 4.7 ms, orders 3.4, the gateway 1.9,"
  echo "  inventory's backends 2.0 and inventory 1.5, finance's backends 1.8 and finance 1.2, catalog 1.2, the"
  echo "  local supervisor 1.1, the estimator 1.0. The saturation point follows the host's system-call cost"
  echo "  (80–90/s when getpid costs about 1 µs, 120–132/s when it costs under 0.1 µs). Per-process CPU profiles then were flat:"
  echo "  orders' largest entry was system calls (11 % of its samples), then allocation and GC; no function"
  echo "  of ours above 1 % of them on its own (flat); OpenTelemetry's gRPC stats handler 7 % with what it calls. A mesh holding 50,000 orders saturates at the same rate (81/s) as a fresh one (84/s). The latency"
  echo "  goals hold at 20/s in quiet runs (checkout p50 12–16 ms, p99 24–30 ms; placed→paid p99 23–28 ms),"
  echo "  not in every run: on 2026-12-04, with the host slower than in the run before (token verification,"
  echo "  gateway overhead and the partner-order path 10–45 % slower, none of them touched), eleven runs of"
  echo "  20/s gave checkout p99 24–49 ms, the code before and after that day's change alike. At 10/s a run's"
  echo "  200 journeys give checkout p99 31–39 ms: a burst of the open model or a background step (stock"
  echo "  pushes every 2 s, saga steps) weighs more among fewer samples. 40/s is the knee and the noisiest"
  echo "  point (checkout p50 26–178 ms over runs of the same code): CPU per journey falls as load grows,"
  echo "  because every batch grows with it (inventory's grouped reservations, the ledger's group commit, the"
  echo "  relays' and inboxes' batches), so at 40/s the mesh already uses about 1.8 of its 2 cores and at 80/s"
  echo "  1.9; what small batches cost sets its latency. A checkout's calls: the SKUs beside the default"
  echo "  address, then the holds beside freight and quotes, then one transaction. A payment: the order read,"
  echo "  its start written at the order's version, finance's payment, then every write of the payment in one"
  echo "  pipelined batch at that version (three round trips; two transactions and eight round trips before"
  echo "  2026-12-04; docs/adr/0017-order-saga.md). Where the time goes near saturation (per-process CPU over"
  echo "  15 s at 100/s offered, 1.9 cores in use): orders 14 % and its PostgreSQL backends 15 %, the gateway"
  echo "  9 %, finance 6 % and its backends 6 %, inventory 5 % and its backends 6 %, catalog 6 % and its"
  echo "  backends 3 %, NATS and the local supervisor 5 %, the load generator 4 %, kernel threads 4 %, the"
  echo "  estimator 4 %, docking 3 % and its backends 2 %, users 3 %. A journey costs about 23 ms of CPU at"
  echo "  saturation; 300/s needs under 7. Most of it is per statement, per round trip and per call rather"
  echo "  than computation: a system-wide profile (perf, 50/s) puts about 39 % of all CPU in the kernel, 26 %"
  echo "  under system calls and 11 % scheduling (every round trip wakes two processes, dear on this virtual"
  echo "  machine: BenchmarkCalibrationSyscall puts a system call that does nothing at about 1 µs and a"
  echo "  loopback round trip between two goroutines at about 18 µs of CPU, where a bare-metal Linux host"
  echo "  answers getpid in well under 0.1 µs), and PostgreSQL's own work is spread thin over index lookups"
  echo "  and executor setup. A journey"
  echo "  runs about 41 statements in orders (51 before 2026-12-04), 17–21 in inventory, 13–15 in finance and"
  echo "  10–12 in docking (fewer as batches grow), and makes about 10 gRPC calls and 3 HTTP requests. Levers"
  echo "  left, in order: orders' statements per journey (the sub-order rows, the saga rows, the outbox"
  echo "  marks); the gateway's JSON encoding of the order (a sixth of its CPU); then fewer hops and round"
  echo "  trips per journey, which is what 300/s on 2 cores would take."
  echo "- What a journey costs, piece by piece: BenchmarkUnaryCall (pkg/server) is one gRPC call between two"
  echo "  services, both ends counted (stats handlers, HTTP/2, loopback TCP, the interceptor chain logging the"
  echo "  call at info): about 75–90 µs of CPU. BenchmarkCalibrationStatement (pkg/testkit) is one statement from"
  echo "  16 callers over a pool, client and server backends counted apart: a primary-key read about 25 µs on"
  echo "  each side, a one-row UPDATE committed durably about 75 µs on the client and 120–155 µs on the server."
  echo "  Counted on the mesh on 2026-12-04 at 40/s (pg_stat_database, pg_stat_statements), a journey runs"
  echo "  about 83 statements in 26 transactions (orders 38 in 8, inventory 15 in 2, finance 10 in 4, docking 9"
  echo "  in 4, catalog 7 in 4, the estimator 2, users 1) and makes about 10 calls: by these figures 4–9 ms of"
  echo "  statements (as many of the transactions write) and 1 ms of calls, before the gateway's three HTTP"
  echo "  requests (about 2 ms), the load generator (1 ms), the events (each claimed and published by a relay,"
  echo "  then fetched, recorded in an inbox and acknowledged) and the services' own work. 300/s leaves 6.7 ms"
  echo "  for all of it: that is a journey of a handful of transactions and calls (checkout and payment each"
  echo "  one transaction in one service, the rest following from events in large batches), not this journey"
  echo "  trimmed."
  echo "- Per process at 40 journeys/s offered (2026-12-04, a durable mesh with a few thousand orders, CPU"
  echo "  ticks of every process over the 20 s run, setup excluded; 1.8 cores in use, about 45 ms of CPU a"
  echo "  journey): orders 6.5 ms and its PostgreSQL backends 6.5, inventory 3.5 and 4.4, finance 2.6 and"
  echo "  4.0, the gateway 3.0–3.8, catalog 2.6 and 0.8, the local supervisor 2.6 (it relays every line"
  echo "  the services log, about 15 a journey, and wakes for each), docking 1.9 and 1.5, the estimator 1.4,"
  echo "  users 1.2 (the default address). Tried and not kept, each within the runs' noise: the services"
  echo "  reaching PostgreSQL over its Unix socket instead of loopback TCP (44.8–46.3 against 47.1 ms a"
  echo "  journey) and GOMAXPROCS=1 in every service (47.3). Before 2026-12-04's last change about one"
  echo "  payment in ten at this rate met finance's \`payment.captured\` holding the order's lock in the"
  echo "  inbox's batch (the payer waited for that batch, failed its version check and wrote again under"
  echo "  the lock, leaving an ERROR in PostgreSQL's log each time); none does now (docs/adr/0017-order-saga.md)."
  echo "  Logging is not a lever either: on 2026-12-05 a fresh mesh at 40/s cost 60–62 ms a journey with"
  echo "  every service at LOG_LEVEL=info and 60–61 at LOG_LEVEL=warn (no successful call logged, the"
  echo "  supervisor relaying almost nothing), three runs each, counted from /proc/stat over the whole load"
  echo "  run, its sign-ups and top-ups included: what the supervisor and the services spend on log lines"
  echo "  comes back as larger batches elsewhere while the cores are this busy."
  echo "  Measured again on 2026-12-05 on the same host (calibration that day: CPU loop 10.46 ms,"
  echo "  getpid 1047 ns, loopback round trip 19.3 µs of CPU): at 40/s 63 CPU-seconds for a run of 1,200"
  echo "  journeys at LOG_LEVEL=info and 63–64 at warn. At 20/s on a fresh mesh, three runs after a"
  echo "  rest gave checkout p99 46–69 ms and placed→paid p99 56–89 ms, two started right after 40/s runs"
  echo "  154–164 and 213–265 ms: above the 24–30 ms of the quiet runs, though the code on the journey's"
  echo "  path had not changed since 2026-12-04. Later that day, after the session's fixes (the gateway"
  echo "  bounding every upstream call, the outbox's batch deadline, the orders saga's lease check), a fresh"
  echo "  mesh at 40/s cost 64 CPU-seconds for 1,200 journeys, as before; at 20/s the first run after"
  echo "  start gave checkout p99 271 ms (warming up), the second 33 ms with placed→paid p99 46 ms."
  echo "- Partner orders: BenchmarkPullTenThousandOrders (platform-docking) pulls 10,000 paid partner"
  echo "  orders (1 to 3 of 300 SKUs each, updated over the hour before the clock starts) from the"
  echo "  partner simulator over the standard gRPC protocol on loopback, with the partner's 2 s"
  echo "  visibility lag and 2 % of its calls rate limited (retry after 1 s), docking's pull lag 5 s,"
  echo "  overlap 1 min and rounds paced as the service paces them (2 s); total-s runs until every"
  echo "  order is recorded imported on PostgreSQL. Goal: 10,000 within 60 s. The last orders become"
  echo "  pullable only 5 s after the start (the lag) and each rate limit costs its second; docking's"
  echo "  own work is about 0.4 s of CPU (per page: one read, one orders call per 100 orders, one"
  echo "  transaction). Before a pull waited out a short rate limit and batched its pages it took 321 s"
  echo "  (31 orders/s, 127 rounds): a rate limit anywhere in the 200-page window failed the round and"
  echo "  the next one read the window again from its first page. Orders are placed in an in-memory"
  echo "  double of orders' PlaceExternalOrders, so orders' cost is not in the figure."
  echo "  BenchmarkPartnerOrdersThroughTheMesh (e2e) is the whole path on the local mesh, every service"
  echo "  and PostgreSQL durable: 10,000 paid orders placed at once on the REST marketplace simulator"
  echo "  (2 s visibility lag, 2 % of its calls rate limited with a 1 s Retry-After, set through its"
  echo "  back office), pulled by docking and placed through orders (SKUs read at the catalogue, stock"
  echo "  reserved at inventory, the orders committed), timed from the sync to the last import. Goal:"
  echo "  10,000 within 60 s. Placing one order per call ran at about 80 orders/s (125 s for 10,000):"
  echo "  every order paid its own catalogue read, its inventory calls and its durable commit. Orders'"
  echo "  PlaceExternalOrders takes docking's page of up to 100 with one catalogue read, one inventory"
  echo "  ReserveMany (the reservations group-committed together) and one transaction."
  echo "- Figures are from one run on a shared 2-core machine; compare runs with benchstat."
  echo
  echo "## Raw output"
  echo
  echo '```'
  grep -E '^(goos|goarch|pkg|cpu|Benchmark|ok|FAIL)' "$raw"
  echo '```'
} > "$out"
echo "wrote $out" >&2
