#!/bin/sh
# Lambda exec wrapper (AWS_LAMBDA_EXEC_WRAPPER). The Node.js runtime's bootstrap starts node with
# its own V8 memory flags on the command line, sized from the function's memory
# (--max-semi-space-size=<memory/20>, --max-old-space-size=<memory*9/10>), and then runs
# "$AWS_LAMBDA_EXEC_WRAPPER" with that whole command line as its arguments. Command-line options
# win over NODE_OPTIONS (which does not take every V8 flag either), so V8 heap sizes can only be
# set here:
#   SIMULACRA_MAX_SEMI_SPACE_MB      every --max-semi-space-size argument becomes ours (MiB);
#   SIMULACRA_INITIAL_OLD_SPACE_MB   every --initial-old-space-size argument becomes ours (MiB).
# All other arguments are passed on exactly as received. When the command is node and carries no
# such flag, ours is added right after node, so the setting holds however node is started. With
# neither variable set, or for a command that is not node, the command runs unchanged.
set -eu

if [ "$#" -eq 0 ]; then
  echo "exec-wrapper: no command to run (Lambda passes the runtime's node command line)" >&2
  exit 64
fi
semi="${SIMULACRA_MAX_SEMI_SPACE_MB:-}"
old="${SIMULACRA_INITIAL_OLD_SPACE_MB:-}"
if [ -z "$semi" ] && [ -z "$old" ]; then
  exec "$@"
fi
# Refuses a setting that is not a whole number of MiB.
require_mib() {
  case "$2" in
    *[!0-9]*)
      echo "exec-wrapper: $1 must be a whole number of MiB, got '$2'" >&2
      exit 64
      ;;
  esac
}
require_mib SIMULACRA_MAX_SEMI_SPACE_MB "$semi"
require_mib SIMULACRA_INITIAL_OLD_SPACE_MB "$old"
semi_flag="--max-semi-space-size=$semi"
old_flag="--initial-old-space-size=$old"

# Which of our settings argument $1 is (sets setting=semi|old, or empty) and whether its value is
# in the same argument (form=joined, --flag=value) or the next one (form=separate, --flag value).
# Sets variables rather than printing, so no subshell is started per argument.
classify() {
  setting=
  form=joined
  case "$1" in
    --max-semi-space-size=* | --max_semi_space_size=*) setting=semi ;;
    --max-semi-space-size | --max_semi_space_size) setting=semi form=separate ;;
    --initial-old-space-size=* | --initial_old_space_size=*) setting=old ;;
    --initial-old-space-size | --initial_old_space_size) setting=old form=separate ;;
  esac
}

# Rotate every argument once from the front to the back, replacing our flags on the way.
remaining=$#
semi_replaced=no
old_replaced=no
while [ "$remaining" -gt 0 ]; do
  arg=$1
  shift
  remaining=$((remaining - 1))
  classify "$arg"
  case "$setting" in
    semi) value=$semi flag=$semi_flag ;;
    old) value=$old flag=$old_flag ;;
    *) value= ;;
  esac
  if [ -z "$value" ]; then
    set -- "$@" "$arg"
    continue
  fi
  if [ "$form" = separate ] && [ "$remaining" -gt 0 ]; then
    shift
    remaining=$((remaining - 1))
  fi
  set -- "$@" "$flag"
  eval "${setting}_replaced=yes"
done

if [ "${1##*/}" = node ]; then
  node=$1
  shift
  if [ -n "$old" ] && [ "$old_replaced" = no ]; then
    set -- "$old_flag" "$@"
  fi
  if [ -n "$semi" ] && [ "$semi_replaced" = no ]; then
    set -- "$semi_flag" "$@"
  fi
  set -- "$node" "$@"
fi
exec "$@"
