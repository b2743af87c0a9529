#!/bin/sh
# Lambda exec wrapper (AWS_LAMBDA_EXEC_WRAPPER). The Node.js runtime's bootstrap starts node with
# its own V8 memory flags on the command line, sized from the function's memory
# (--max-semi-space-size=<memory/20>, --max-old-space-size=<memory*9/10>), and then runs
# "$AWS_LAMBDA_EXEC_WRAPPER" with that whole command line as its arguments. Command-line options
# win over NODE_OPTIONS, so a semi-space cap can only be set here: every --max-semi-space-size
# argument becomes ours (SIMULACRA_MAX_SEMI_SPACE_MB, in MiB); all other arguments are passed on
# exactly as received. When the command is node and carries no semi-space flag, ours is added
# right after node, so the cap holds however node is started. Without SIMULACRA_MAX_SEMI_SPACE_MB,
# or for a command that is not node, the command runs unchanged.
set -eu

if [ "$#" -eq 0 ]; then
  echo "exec-wrapper: no command to run (Lambda passes the runtime's node command line)" >&2
  exit 64
fi
semi="${SIMULACRA_MAX_SEMI_SPACE_MB:-}"
if [ -z "$semi" ]; then
  exec "$@"
fi
case "$semi" in
  *[!0-9]*)
    echo "exec-wrapper: SIMULACRA_MAX_SEMI_SPACE_MB must be a whole number of MiB, got '$semi'" >&2
    exit 64
    ;;
esac
flag="--max-semi-space-size=$semi"

# Rotate every argument once from the front to the back, replacing the semi-space flag on the way.
remaining=$#
replaced=no
while [ "$remaining" -gt 0 ]; do
  arg=$1
  shift
  remaining=$((remaining - 1))
  case "$arg" in
    --max-semi-space-size=* | --max_semi_space_size=*)
      set -- "$@" "$flag"
      replaced=yes
      ;;
    --max-semi-space-size | --max_semi_space_size)
      if [ "$remaining" -gt 0 ]; then
        shift
        remaining=$((remaining - 1))
      fi
      set -- "$@" "$flag"
      replaced=yes
      ;;
    *)
      set -- "$@" "$arg"
      ;;
  esac
done

if [ "$replaced" = no ] && [ "${1##*/}" = node ]; then
  node=$1
  shift
  set -- "$node" "$flag" "$@"
fi
exec "$@"
