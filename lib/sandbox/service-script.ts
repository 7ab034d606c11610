import { shellQuote } from "../ssh/shell-quote";
import type { HostPaths, SandboxHost } from "./layout";

/** Seconds `start` waits for chronyd to answer, and `stop` for it to exit. */
export const SERVICE_WAIT_SECONDS = 10;

/**
 * The host's service script: `start|stop|restart|status`, POSIX sh, safe to run over SSH.
 *
 * chronyd runs as `chronyd -4 -x -f CONF -l LOG`: `-x` leaves the system clock alone; `-4` because
 * chronyd opens its IPv6 sockets (::1 for commands, :: for NTP) with SO_REUSEPORT, so two sandboxes
 * with the same ports would silently share them; `-l` so that what chronyd reports after it
 * daemonizes lands in a file rather than in a syslog that may not exist. No `-u`: chronyd drops
 * root for its compiled-in user (_chrony on Debian), as the packaged service does.
 */
export function renderServiceScript(host: SandboxHost, paths: HostPaths, chronyUser: string): string {
  const q = shellQuote;
  return `#!/bin/sh
# chronyd of sandbox host ${host.id}: start|stop|restart|status.
# Written by 'cdktf-chrony sandbox up' (rewritten on each up). Works from a bare 'sh -c' over SSH.
set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022

CONF=${q(paths.confFile)}
PIDFILE=${q(paths.pidFile)}
SOCK=${q(paths.socket)}
RUNDIR=${q(paths.runDir)}
LOG=${q(paths.chronydLog)}
CHRONY_USER=${q(chronyUser)}
WAIT_TENTHS=${SERVICE_WAIT_SECONDS * 10}

# Is PID a live chronyd started with this host's config? (A zombie is not live; the pid may be reused.)
is_ours() {
  state=$(sed -n 's/^State:[[:space:]]*\\(.\\).*/\\1/p' "/proc/$1/status" 2>/dev/null)
  case "$state" in ''|Z|X) return 1 ;; esac
  tr '\\000' '\\n' < "/proc/$1/cmdline" 2>/dev/null | CONF="$CONF" awk '
    NR == 1 { n = split($0, part, "/"); prog = part[n] }
    prev == "-f" && $0 == ENVIRON["CONF"] { found = 1 }
    { prev = $0 }
    END { exit !(prog == "chronyd" && found) }'
}

# Print the pid of this host's chronyd; fail when it is not running.
running_pid() {
  [ -f "$PIDFILE" ] || return 1
  pid=$(head -n 1 "$PIDFILE" 2>/dev/null | tr -cd '0-9')
  [ -n "$pid" ] || return 1
  is_ours "$pid" || return 1
  echo "$pid"
}

answers() {
  chronyc -n -h "$SOCK" -c tracking >/dev/null 2>&1
}

start() {
  if pid=$(running_pid); then
    echo "chronyd already running (pid $pid)"
    return 0
  fi
  # chronyd refuses to start while its pid file names any live process, even an unrelated one.
  rm -f "$PIDFILE"
  # Like /run on a real host, the socket folder may have been cleaned: chronyd needs it owned by its
  # user with no permission bits beyond 0770.
  mkdir -p "$RUNDIR" && chown "$CHRONY_USER:$CHRONY_USER" "$RUNDIR" && chmod 0750 "$RUNDIR" || return 1
  if ! out=$(/usr/sbin/chronyd -4 -x -f "$CONF" -l "$LOG" 2>&1); then
    echo "chrony-service: chronyd failed to start: $out" >&2
    return 1
  fi
  i=0
  while [ "$i" -lt "$WAIT_TENTHS" ]; do
    if pid=$(running_pid) && answers; then
      echo "chronyd started (pid $pid)"
      return 0
    fi
    sleep 0.1
    i=$((i + 1))
  done
  echo "chrony-service: chronyd did not answer on $SOCK within ${SERVICE_WAIT_SECONDS} s; last lines of $LOG:" >&2
  tail -n 5 "$LOG" >&2 2>/dev/null
  return 1
}

stop() {
  if ! pid=$(running_pid); then
    echo "chronyd not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null
  i=0
  while [ "$i" -lt "$WAIT_TENTHS" ]; do
    if ! is_ours "$pid"; then
      echo "chronyd stopped (pid $pid)"
      return 0
    fi
    sleep 0.1
    i=$((i + 1))
  done
  echo "chrony-service: chronyd (pid $pid) did not exit within ${SERVICE_WAIT_SECONDS} s of SIGTERM" >&2
  return 1
}

status() {
  if pid=$(running_pid); then
    echo "chronyd running (pid $pid)"
    return 0
  fi
  echo "chronyd not running"
  return 3
}

case "\${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop && start ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|restart|status" >&2
    exit 2
    ;;
esac
`;
}
