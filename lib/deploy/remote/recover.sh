# shellcheck shell=sh
# Finishes an unfinished apply on the host (after the preamble and common.sh): forward when its
# changes were verified, back otherwise. Run by the controller after an apply it lost contact with.
set -u
trap '' PIPE HUP
umask 077
take_lock
say LOCKED
if [ -e "$JOURNAL" ]; then
  recover || exit 1
else
  say CLEAN
fi
