# shellcheck shell=sh
# Functions shared by the programs cdktf-chrony runs on a host (apply, recover, survey).
#
# Each program is sent as one text: a generated preamble (variables, payloads, the plan table and
# the host's commands as functions), this file, then the program. Everything the host prints for
# the controller is a marker line "@$NONCE WORD ARGS"; text the host controls (file names, command
# output) is base64-encoded, so no output can forge a marker. The controller ignores other lines.
#
# The preamble defines: NONCE RUN CONF LOCK_WAIT_SECONDS ANSWER_WAIT_TENTHS FAULT_HOOK, and the
# functions run_chronyc, run_chronyd, svc_restart, svc_start, svc_active, revert_running; FW_FILE
# (empty unless the app manages the host's firewall) or FW_RETIRED (where a rules file from when the
# app managed it would be), fw_load FILE, fw_unload and fw_live; with FW_FILE also fw_present,
# fw_check, fw_canonical and fw_ruleset.

LOCK="$CONF.cdktf-chrony.lock"
JOURNAL="$CONF.cdktf-chrony.journal"

say() { printf '@%s %s\n' "$NONCE" "$*"; }

# b64 TEXT: TEXT base64-encoded on one line ("-" when empty).
b64() {
  if [ -n "$1" ]; then printf '%s' "$1" | base64 | tr -d '\n'; else printf '%s' -; fi
}

# say_text WORD TEXT: TEXT travels base64-encoded ("-" when empty).
say_text() {
  if [ -n "$2" ]; then
    say "$1 $(printf '%s' "$2" | base64 | tr -d '\n')"
  else
    say "$1 -"
  fi
}

# A test-only fault injection point: FAULT_HOOK is empty unless the controller was started with
# CDKTF_CHRONY_FAULT_HOOK (the fault suite uses it to hang, or to cut the connection, at a step).
hook() {
  if [ -n "$FAULT_HOOK" ]; then "$FAULT_HOOK" "$1" "$RUN"; fi
}

# Holds the host's lock on fd 9 until the program exits (also when it is killed: the kernel drops
# the lock with the process). Waits up to LOCK_WAIT_SECONDS for another run to finish.
take_lock() {
  exec 9>>"$LOCK" || { say_text BUSY "cannot open $LOCK"; exit 75; }
  if ! flock -w "$LOCK_WAIT_SECONDS" 9; then
    say_text BUSY "$(cat "$LOCK" 2>/dev/null)"
    exit 75
  fi
  printf 'run %s, pid %s, since %s\n' "$RUN" "$$" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$LOCK"
}

staged_name() { printf '%s.cdktf-chrony.%s.new' "$1" "$2"; }
backup_name() { printf '%s.cdktf-chrony.%s.bak' "$1" "$2"; }

# journal_state NEW_STATE: rewrites the journal (run, action, state, files) atomically.
journal_state() {
  J_STATE=$1
  {
    printf 'RUN %s\nACTION %s\nSTATE %s\n' "$J_RUN" "$J_ACTION" "$J_STATE"
    printf '%s' "$J_FILES"
  } >"$JOURNAL.tmp" && mv -f "$JOURNAL.tmp" "$JOURNAL"
}

# Loads the journal into J_RUN J_ACTION J_STATE J_FILES (lines "FILE role had|new path", and
# "TEMP path" for scratch files of the run).
read_journal() {
  J_RUN=$(sed -n 's/^RUN //p' "$JOURNAL")
  J_ACTION=$(sed -n 's/^ACTION //p' "$JOURNAL")
  J_STATE=$(sed -n 's/^STATE //p' "$JOURNAL")
  J_FILES=$(grep -E '^(FILE|TEMP) ' "$JOURNAL")
  [ -n "$J_FILES" ] && J_FILES="$J_FILES
"
  [ -n "$J_RUN" ] && [ -n "$J_STATE" ]
}

# Removes staged and backup copies (backups of chrony.keys hold old key material).
drop_copies() {
  printf '%s' "$J_FILES" | while read -r kind role _had path; do
    if [ "$kind" = TEMP ]; then
      rm -f -- "$role"
    else
      rm -f -- "$(staged_name "$path" "$J_RUN")" "$(backup_name "$path" "$J_RUN")"
    fi
  done
}

# Puts back what the journal's run replaced: the backup where a file existed, nothing where it did not.
restore_files() {
  printf '%s' "$J_FILES" | while read -r kind _role had path; do
    [ "$kind" = FILE ] || continue
    staged=$(staged_name "$path" "$J_RUN")
    backup=$(backup_name "$path" "$J_RUN")
    if [ "$had" = had ]; then
      if [ -e "$backup" ]; then mv -f -- "$backup" "$path" || exit 1; fi
    elif [ ! -e "$staged" ]; then
      rm -f -- "$path" || exit 1
    fi
    rm -f -- "$staged"
  done
}

# Waits until chronyd answers on its command socket.
wait_answers() {
  w=0
  until run_chronyc -n -c tracking >/dev/null 2>&1; do
    w=$((w + 1))
    [ "$w" -ge "$ANSWER_WAIT_TENTHS" ] && return 1
    sleep 0.1
  done
}

# An action's parts: chronyd's ("restart+firewall" is a restart; "firewall" alone is none), and
# whether it loads the firewall rules (after chronyd's part).
chronyd_part() {
  case "$1" in firewall) printf none ;; *) printf '%s' "${1%+firewall}" ;; esac
}
loads_firewall() {
  case "$1" in firewall | *+firewall) return 0 ;; esac
  return 1
}

# Brings cdktf-chrony's table to the rules file now on disk: loaded from it, or removed when there
# is none (a firewall the app no longer manages, or a rollback of the run that created the file).
fw_sync() {
  file=${FW_FILE:-$FW_RETIRED}
  [ -n "$file" ] || return 0
  if [ -e "$file" ]; then fw_load "$file"; else fw_unload; fi
}

# Brings chronyd (and the firewall) back to the files now on disk after a rollback: restarted when
# the run restarted it (or it is down), reloaded (rekey, reload sources) when the run only reloaded it.
revert_daemon() {
  case "$J_STATE" in staging | swapping | swapped) return 0 ;; esac
  if loads_firewall "$J_ACTION"; then fw_sync >/dev/null 2>&1 || return 1; fi
  if ! svc_active >/dev/null 2>&1; then
    svc_start >/dev/null 2>&1 || svc_restart >/dev/null 2>&1 || return 1
  else
    case "$(chronyd_part "$J_ACTION")" in
      # A "+nts-ke" run left the NTS sources without cookies: the restart makes them run NTS-KE at
      # once under the restored trust.
      restart* | start*) svc_restart >/dev/null 2>&1 || return 1 ;;
      # A reload that fails (the socket refuses us, say) falls back to a restart, which rereads all.
      *) revert_running >/dev/null 2>&1 || svc_restart >/dev/null 2>&1 || return 1 ;;
    esac
  fi
  wait_answers
}

# Finishes the journal's run: forward when it was verified, back otherwise. Prints RECOVERED.
recover() {
  read_journal || { rm -f -- "$JOURNAL"; return 0; }
  say "JOURNAL $J_RUN $J_STATE $J_ACTION"
  if [ "$J_STATE" = verified ]; then
    drop_copies
    rm -f -- "$JOURNAL"
    say "RECOVERED $J_RUN new"
    return 0
  fi
  if ! restore_files; then
    say_text RECOVERY_FAILED "restoring the files of run $J_RUN failed"
    return 1
  fi
  if ! revert_daemon; then
    J_STATE=restored-daemon-down
    journal_state "$J_STATE"
    say_text RECOVERY_FAILED "the previous files are back, but chronyd does not answer"
    return 1
  fi
  drop_copies
  rm -f -- "$JOURNAL"
  say "RECOVERED $J_RUN old"
}
