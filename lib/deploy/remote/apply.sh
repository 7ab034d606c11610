# shellcheck shell=sh
# The apply transaction on the host (after the preamble and common.sh).
#
# Under the host's lock: finish any unfinished run first (recover), report the live files (digest,
# mode, owner) and chronyd's state, take the controller's plan (which files, which action), stage the
# changed files beside their targets, validate with chronyd -p, swap them in keeping backups, take the
# action, and list chronyd's sources; the controller answers COMMIT or ROLLBACK. The host only reports
# and executes: what differs, what to do and whether chronyd lists what it should are decided by the
# controller, with the same rules drift and verify use. A journal beside chrony.conf records each
# state before it is entered, so a run killed at any point is finished by the next apply (or reported
# by drift).
#
# The controller may vanish at any time: every marker write is also a liveness check (SIGPIPE is
# ignored, so a write to a closed channel fails instead of killing us), and its answers arrive on
# stdin, where EOF means "gone". Gone before the swap: nothing was changed; after it: roll back.
#
# The preamble adds: FILES (lines "role mode owner sha256 path", owner "-" for any, sha256 "-" for a
# file that must be gone: a retired firewall's rules), file_data ROLE,
# KEYS_PATH DECLARED_KEY_IDS UNDECLARED_KEYS (refuse|keep|remove) MANAGED_MARKER KEPT_MARKER,
# CHECK_CONF, NTS_SOURCES (names of the NTS sources) NTS_DUMP_DIR (ntsdumpdir, or empty),
# do_action ACTION (chronyd's part of the action), file_data firewall when FW_FILE is set.

set -u
trap '' PIPE
umask 077

J_RUN=$RUN
J_ACTION=none
J_STATE=none
J_FILES=""
STEP=lock
CHECK="$CONF.cdktf-chrony.$RUN.check"

# Nothing has been swapped yet: drop what this run wrote and stop.
abandon() {
  drop_copies
  rm -f -- "$CHECK" "$JOURNAL"
  say_text "FAIL $1" "$2"
  exit 1
}

# Something may have been swapped: put the previous files back and bring chronyd back to them.
roll_back() {
  say_text "FAIL $1" "$2"
  if restore_files && revert_daemon; then
    drop_copies
    rm -f -- "$CHECK" "$JOURNAL"
    say "ROLLED_BACK ok"
  else
    journal_state restored-daemon-down
    say_text "ROLLED_BACK failed" "chronyd does not answer with the previous files"
  fi
  exit 1
}

# Stops the run the right way for the state it is in.
stop_run() {
  case "$J_STATE" in
    none) exit 1 ;;
    staging) abandon "$1" "$2" ;;
    *) roll_back "$1" "$2" ;;
  esac
}

# A marker the controller must receive; if it cannot, the controller is gone.
tell() {
  say "$@" || stop_run "$STEP" "the controller disconnected"
}

# shellcheck disable=SC2317 # called from the traps below
on_signal() {
  trap '' HUP INT TERM
  stop_run "$STEP" "interrupted by signal $1 on the host"
}
trap 'on_signal HUP' HUP
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM

take_lock
tell LOCKED
if [ -e "$JOURNAL" ]; then
  recover || {
    say_text "FAIL recover" "an unfinished run could not be finished"
    exit 1
  }
fi

# This run's journal (recover used the same variables for the earlier run's).
J_RUN=$RUN
J_ACTION=none
J_STATE=none
J_FILES=""
STEP="read"
while read -r role _mode _owner _sha path; do
  [ -n "$role" ] || continue
  if [ -e "$path" ]; then had=had; else had=new; fi
  J_FILES="${J_FILES}FILE $role $had $path
"
done <<FILES_END
$FILES
FILES_END
journal_state staging

# Keys on the host the app does not declare: all of an unmanaged keys file's (a host being adopted),
# but of a managed one only those it carried over; a key we wrote and the app dropped is retired.
host_keys() {
  awk -v managed="$MANAGED_MARKER" -v kept="$KEPT_MARKER" '
    NR == 1 && index($0, managed) == 1 { ours = 1 }
    $0 == kept { carried = 1 }
    $1 ~ /^[0-9]+$/ && (!ours || carried) { print }' "$KEYS_PATH"
}
undeclared=""
if [ -n "$KEYS_PATH" ] && [ -e "$KEYS_PATH" ]; then
  # shellcheck disable=SC2013 # key IDs are single words
  for id in $(host_keys | awk '{ print $1 }'); do
    case " $DECLARED_KEY_IDS " in *" $id "*) ;; *) undeclared="$undeclared $id" ;; esac
  done
  undeclared=${undeclared# }
  [ -n "$undeclared" ] && tell "UNDECLARED $(printf '%s' "$undeclared" | tr ' ' ',')"
fi

# The live state of each file, for the controller to compare with what it wants.
while read -r role _mode _owner sha path; do
  [ -n "$role" ] || continue
  if [ -e "$path" ]; then
    tell "FILE $role $(sha256sum <"$path" | cut -d' ' -f1) $(stat -c '%a %U:%G' -- "$path")"
  else
    tell "FILE $role - - -"
  fi
  if [ "$role" = keys ] && [ "$UNDECLARED_KEYS" = keep ] && [ -n "$undeclared" ]; then
    # The wanted keys file is the app's keys plus the host's undeclared ones, so it is built here.
    staged=$(staged_name "$path" "$RUN")
    { file_data keys && printf '%s\n' "$KEPT_MARKER" && host_keys | awk -v ids=" $undeclared " 'index(ids, " " $1 " ")'; } >"$staged" ||
      abandon stage "cannot write $staged"
    tell "CANDIDATE keys $(sha256sum <"$staged" | cut -d' ' -f1)"
  fi
  # A new chrony.conf may mean the same to chronyd (an adopted host: other comments, order,
  # number format): what chronyd -p makes of both lets the controller skip the restart.
  if [ "$role" = conf ] && [ "$CHECK_CONF" = 1 ] && [ -e "$path" ] && [ "$(sha256sum <"$path" | cut -d' ' -f1)" != "$sha" ]; then
    staged=$(staged_name "$path" "$RUN")
    file_data conf >"$staged" || abandon stage "cannot write $staged"
    live_p=$(run_chronyd -p -f "$path" 2>/dev/null) || live_p=""
    next_p=$(run_chronyd -p -f "$staged" 2>/dev/null) || next_p=""
    tell "PROBE $(b64 "$live_p") $(b64 "$next_p")"
  fi
done <<FILES_END
$FILES
FILES_END

# The firewall: cdktf-chrony's table as nft lists it, the rules as nft would list them once loaded
# (so formatting is never a difference), and the whole ruleset (chains that would drop what the
# table accepts).
if [ -n "$FW_FILE" ]; then
  if ! fw_present; then
    tell FWMISSING
  else
    tell "FWLIVE $(b64 "$(fw_live)")"
    if want=$(file_data firewall | fw_canonical 2>&1); then tell "FWWANT ok $(b64 "$want")"; else tell "FWWANT failed $(b64 "$want")"; fi
    tell "FWRULESET $(b64 "$(fw_ruleset 2>&1)")"
  fi
fi

if svc_active >/dev/null 2>&1; then running=yes; else running=no; fi
tell "RUNNING $running"
for f in "$SOURCE_DIR"/*.sources; do
  [ -e "$f" ] && [ "$f" != "$OWN_SOURCES" ] && tell "FOREIGN $(printf '%s' "$f" | base64 | tr -d '\n')"
done

# The plan: "PLAN nonce action changed meta" (roles joined with "+", "-" for none), or
# "ABANDON nonce step reason" (reason base64).
tell AWAIT_PLAN
IFS= read -r answer || abandon read "the controller disconnected"
# shellcheck disable=SC2086 # split the answer into its words
set -- $answer
case "${1:-}:${2:-}" in
  "PLAN:$NONCE")
    J_ACTION=$3
    changed=${4#-}
    meta=$(printf '%s' "${5#-}" | tr '+' ' ')
    ;;
  "ABANDON:$NONCE") abandon "${3:-read}" "$(printf '%s' "${4:-}" | base64 -d 2>/dev/null)" ;;
  *) abandon read "no plan from the controller" ;;
esac
journal_state staging

is_changed() { case "+$changed+" in *"+$1+"*) return 0 ;; esac; return 1; }

# For a "+nts-ke" action: remove the NTS sources (chronyd saves their cookies as <address>.nts in
# ntsdumpdir), delete those files, then the restart or start creates the sources without cookies and
# NTS-KE runs at once, under the CAs now trusted. The server's ntskeys file is left alone.
# shellcheck disable=SC2317 # called from do_action
nts_forget() {
  if svc_active >/dev/null 2>&1; then
    for s in $NTS_SOURCES; do run_chronyc delete "$s" >/dev/null 2>&1 || :; done
  fi
  if [ -n "$NTS_DUMP_DIR" ] && [ -d "$NTS_DUMP_DIR" ]; then rm -f -- "$NTS_DUMP_DIR"/*.nts; fi
  return 0
}

# Mode and owner are fixed in place: no content changes, nothing for chronyd to reload.
fix_meta() {
  while read -r role mode owner _sha path; do
    case " $meta " in *" $role "*) ;; *) continue ;; esac
    chmod "$mode" -- "$path" || return 1
    if [ "$owner" != - ]; then chown "$owner" -- "$path" || return 1; fi
    tell "FIXED $role"
  done <<FILES_END
$FILES
FILES_END
}

list_sources() {
  plain=$(list_sources_plain 2>&1) || return 1
  named=$(list_sources_named 2>&1) || return 1
  tell "LISTING $(printf '%s' "$plain" | base64 | tr -d '\n') $(printf '%s' "$named" | base64 | tr -d '\n')"
}

# NTS state of the sources (authdata), when the host has NTS sources.
list_auth() {
  [ -n "$NTS_SOURCES" ] || return 0
  auth=$(list_authdata 2>&1) || return 1
  tell "AUTHDATA $(printf '%s' "$auth" | base64 | tr -d '\n')"
}

# Nothing to write and nothing to do: fix modes and owners, check chronyd, done. (With nothing to
# write but an action, such as the firewall's table to load again, the run goes through its steps.)
if [ -z "$changed" ] && [ "$J_ACTION" = none ]; then
  fix_meta || abandon swap "cannot set the mode or owner of a managed file"
  drop_copies
  rm -f -- "$JOURNAL"
  J_STATE=none
  STEP=verify
  tell "STEP verify"
  if list_sources; then
    tell DONE
    exit 0
  fi
  say_text "FAIL verify" "chronyd does not answer: $plain$named"
  exit 1
fi

STEP=stage
tell "STEP stage"
hook stage
while read -r role mode owner sha path; do
  is_changed "$role" || continue
  [ "$sha" != - ] || continue
  staged=$(staged_name "$path" "$RUN")
  dir=${path%/*}
  # A new folder (RHEL has no /etc/chrony) must let chronyd, once it runs as its own user, read the
  # sources in it: 0755, not the 0700 this program's umask would give.
  [ -d "${dir:-/}" ] || (umask 022 && mkdir -p -- "$dir") || abandon stage "cannot create $dir"
  if [ ! -e "$staged" ]; then file_data "$role" >"$staged" || abandon stage "cannot write $staged"; fi
  chmod "$mode" -- "$staged" || abandon stage "cannot set the mode of $staged"
  if [ "$owner" != - ]; then
    out=$(chown "$owner" -- "$staged" 2>&1) || abandon stage "$out"
  fi
done <<FILES_END
$FILES
FILES_END

# The file chronyd would read for a role after the swap: the staged one if it changed.
after_swap() {
  while read -r role _mode _owner _sha path; do
    [ "$role" = "$1" ] || continue
    if is_changed "$role"; then staged_name "$path" "$RUN"; else printf '%s' "$path"; fi
  done <<FILES_END
$FILES
FILES_END
}

if [ "$CHECK_CONF" = 1 ] && { is_changed conf || is_changed sources; }; then
  STEP=validate
  tell "STEP validate"
  hook validate
  J_FILES="${J_FILES}TEMP $CHECK
"
  journal_state staging
  conf_file=$(after_swap conf)
  sources_file=$(after_swap sources)
  cat -- "$conf_file" >"$CHECK" || abandon validate "cannot write $CHECK"
  [ -n "$sources_file" ] && printf 'include %s\n' "$sources_file" >>"$CHECK"
  out=$(run_chronyd -p -f "$CHECK" 2>&1 >/dev/null) || abandon validate "$out"
  rm -f -- "$CHECK"
  tell "PASSED validate"
fi

if is_changed firewall && [ -n "$FW_FILE" ]; then
  STEP=validate
  tell "STEP check-firewall"
  out=$(fw_check "$(staged_name "$FW_FILE" "$RUN")" 2>&1) || abandon firewall "nft -c rejected the new rules: $out"
fi

STEP=swap
tell "STEP swap"
hook swap
journal_state swapping
while read -r role _mode _owner sha path; do
  is_changed "$role" || continue
  if [ -e "$path" ]; then
    out=$(ln -f -- "$path" "$(backup_name "$path" "$RUN")" 2>&1) || roll_back swap "$out"
  fi
  # A file that must be gone leaves its backup behind, for a rollback to put back.
  if [ "$sha" = - ]; then
    out=$(rm -f -- "$path" 2>&1) || roll_back swap "$out"
  else
    out=$(mv -f -- "$(staged_name "$path" "$RUN")" "$path" 2>&1) || roll_back swap "$out"
  fi
  tell "SWAPPED $role"
done <<FILES_END
$FILES
FILES_END
fix_meta || roll_back swap "cannot set the mode or owner of a managed file"
journal_state swapped

STEP=reload
tell "STEP reload"
hook reload
journal_state acting
out=$(do_action "$(chronyd_part "$J_ACTION")" 2>&1) || roll_back reload "$out"
if loads_firewall "$J_ACTION"; then
  STEP=firewall
  tell "STEP firewall"
  hook firewall
  out=$(fw_sync 2>&1) || roll_back firewall "nft failed: $out"
fi

STEP=verify
tell "STEP verify"
hook verify
journal_state verifying
wait_answers || roll_back verify "chronyd does not answer after the $J_ACTION"
if loads_firewall "$J_ACTION"; then tell "FWLOADED $(b64 "$(fw_live)")"; fi
# The controller answers COMMIT, ROLLBACK, or AGAIN while NTS-KE is still under way.
while :; do
  list_sources || roll_back verify "listing chronyd's sources failed: $plain$named"
  list_auth || roll_back verify "chronyc authdata failed: $auth"
  tell AWAIT_VERDICT
  verdict=""
  IFS= read -r verdict || break
  [ "$verdict" = "AGAIN $NONCE" ] || break
  sleep 1
done
if [ "$verdict" = "COMMIT $NONCE" ]; then
  journal_state verified
  drop_copies
  rm -f -- "$JOURNAL"
  say DONE
  exit 0
fi
case "$verdict" in
  "ROLLBACK $NONCE "*) roll_back verify "$(printf '%s' "${verdict#ROLLBACK "$NONCE" }" | base64 -d 2>/dev/null)" ;;
  *) roll_back verify "the controller disconnected before confirming" ;;
esac
