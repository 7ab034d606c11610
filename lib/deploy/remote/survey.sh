# shellcheck shell=sh
# What drift and plan need from a host, read under the host's lock (after the preamble and
# common.sh): an unfinished apply, each managed file's digest, mode and owner (and the text of
# chrony.conf and the sources file), chrony.keys (to fingerprint it key by key on the controller;
# it never leaves memory there), the NTS server key likewise (to fingerprint it), chronyd's state
# and live sources, and their NTS state when the host has NTS sources. It changes nothing.
#
# The preamble adds: FILES (lines "role path"), KEYS_PATH, NTS_KEY_PATH (or empty), NTS_SOURCES,
# SOURCE_DIR, OWN_SOURCES, and list_sources_plain, list_sources_named, list_ntpdata, list_authdata;
# with FW_FILE set, fw_wanted (the manifest's rules) for the firewall's markers.
#
# Drift runs on every host every night: the program starts as few processes as it can (one
# sha256sum and one stat for all the files, base64 without tr, the service asked only when chronyd
# does not answer), since on a host the processes, not the work, are most of its cost.
set -u
trap '' PIPE HUP
umask 077
take_lock
say LOCKED
if [ -e "$JOURNAL" ] && read_journal; then say "JOURNAL $J_RUN $J_STATE $J_ACTION"; fi
# The files that exist go to one sha256sum and one stat, in order; their roles wait in $roles.
set --
roles=""
while read -r role path; do
  [ -n "$role" ] || continue
  if [ -e "$path" ]; then
    set -- "$@" "$path"
    roles="$roles $role"
    # The text of chrony.conf and the sources file, for plan's and drift's line summaries (only
    # these roles: chrony.keys travels apart, to be fingerprinted and never shown).
    case $role in conf | sources | firewall) say "TEXT $role $(base64 -w 0 <"$path")" ;; esac
  else
    say "FILE $role - - -"
  fi
done <<END
$FILES
END
if [ $# -gt 0 ]; then
  sums=$(sha256sum -- "$@")
  modes=$(stat -c '%a %U:%G' -- "$@")
  set -f
  # shellcheck disable=SC2086 # the roles are words
  set -- $roles
  set +f
  while read -r sum _file <&3 && read -r mode owner <&4; do
    say "FILE $1 ${sum#\\} $mode $owner"
    shift
  done 3<<SUMS 4<<MODES
$sums
SUMS
$modes
MODES
fi
if [ -n "$KEYS_PATH" ] && [ -e "$KEYS_PATH" ]; then say "KEYS $(base64 -w 0 <"$KEYS_PATH")"; fi
if [ -n "$NTS_KEY_PATH" ] && [ -e "$NTS_KEY_PATH" ]; then say "NTSKEY $(base64 -w 0 <"$NTS_KEY_PATH")"; fi
# The firewall, as apply reads it: the table as nft lists it, the manifest's rules as nft would
# list them, and the ruleset (chains that would drop what the table accepts).
if [ -n "$FW_FILE" ]; then
  if ! fw_present; then
    say FWMISSING
  else
    say "FWLIVE $(b64 "$(fw_live)")"
    if want=$(fw_wanted | fw_canonical 2>&1); then say "FWWANT ok $(b64 "$want")"; else say "FWWANT failed $(b64 "$want")"; fi
    say "FWRULESET $(b64 "$(fw_ruleset 2>&1)")"
  fi
fi
# chronyd runs when it answers on its socket; only when it does not, ask the service manager.
if plain=$(list_sources_plain 2>&1); then
  running=yes
elif svc_active >/dev/null 2>&1; then
  running=yes
else
  running=no
fi
say "RUNNING $running"
for f in "$SOURCE_DIR"/*.sources; do
  [ -e "$f" ] && [ "$f" != "$OWN_SOURCES" ] && say "FOREIGN $(printf '%s' "$f" | base64 -w 0)"
done
if [ "$running" = yes ]; then
  say "SOURCES $(printf '%s' "$plain" | base64 -w 0)"
  say "NAMED $(list_sources_named 2>&1 | base64 -w 0)"
  say "NTPDATA $(list_ntpdata 2>&1 | base64 -w 0)"
  if [ -n "$NTS_SOURCES" ]; then say "AUTHDATA $(list_authdata 2>&1 | base64 -w 0)"; fi
fi
say DONE
