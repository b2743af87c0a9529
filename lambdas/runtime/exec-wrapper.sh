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
case "$semi" in
  *[!0-9]*)
    echo "exec-wrapper: SIMULACRA_MAX_SEMI_SPACE_MB must be a whole number of MiB, got '$semi'" >&2
    exit 64
    ;;
esac
case "$old" in
  *[!0-9]*)
    echo "exec-wrapper: SIMULACRA_INITIAL_OLD_SPACE_MB must be a whole number of MiB, got '$old'" >&2
    exit 64
    ;;
esac
semi_flag="--max-semi-space-size=$semi"
old_flag="--initial-old-space-size=$old"

# Rotate every argument once from the front to the back, replacing our flags on the way.
remaining=$#
semi_replaced=no
old_replaced=no
while [ "$remaining" -gt 0 ]; do
  arg=$1
  shift
  remaining=$((remaining - 1))
  case "$arg" in
    --max-semi-space-size=* | --max_semi_space_size=*)
      if [ -n "$semi" ]; then
        set -- "$@" "$semi_flag"
        semi_replaced=yes
      else
        set -- "$@" "$arg"
      fi
      ;;
    --max-semi-space-size | --max_semi_space_size)
      if [ -n "$semi" ]; then
        if [ "$remaining" -gt 0 ]; then
          shift
          remaining=$((remaining - 1))
        fi
        set -- "$@" "$semi_flag"
        semi_replaced=yes
      else
        set -- "$@" "$arg"
      fi
      ;;
    --initial-old-space-size=* | --initial_old_space_size=*)
      if [ -n "$old" ]; then
        set -- "$@" "$old_flag"
        old_replaced=yes
      else
        set -- "$@" "$arg"
      fi
      ;;
    --initial-old-space-size | --initial_old_space_size)
      if [ -n "$old" ]; then
        if [ "$remaining" -gt 0 ]; then
          shift
          remaining=$((remaining - 1))
        fi
        set -- "$@" "$old_flag"
        old_replaced=yes
      else
        set -- "$@" "$arg"
      fi
      ;;
    *)
      set -- "$@" "$arg"
      ;;
  esac
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
