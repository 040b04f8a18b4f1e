#!/usr/bin/env bash
# ConcurrencyKata: ./build.sh [target] [--parameter=value ...]
# `./build.sh help` lists the targets (the kata runner's table: build/ConcurrencyKata.Runner/Commands.cs).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  cat >&2 <<'MSG'
The .NET SDK was not found (no `dotnet` on PATH).
ConcurrencyKata needs the .NET 10 SDK: https://dotnet.microsoft.com/download/dotnet/10.0
Install it, open a new terminal, and run ./build.sh test again.
MSG
  exit 127
fi
if ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
  echo "ConcurrencyKata needs the .NET 10 SDK; this machine has:" >&2
  dotnet --list-sdks >&2 || true
  echo "Install .NET 10: https://dotnet.microsoft.com/download/dotnet/10.0" >&2
  exit 127
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export KATA_COMMAND="${KATA_COMMAND:-./build.sh}"

target=test
args=()
for a in "$@"; do
  case "$a" in
    --*) args+=("$a") ;;
    *) target="$a" ;;
  esac
done

# restore the local Cake tool quietly; show the output only if it fails
if ! out=$(dotnet tool restore 2>&1); then
  echo "$out" >&2
  exit 1
fi
exec dotnet cake build/build.cake --target="$target" --verbosity=quiet --no-report ${args[@]+"${args[@]}"}
