#!/usr/bin/env bash
# ConcurrencyKata: ./build.sh [target] [--parameter=value | --parameter value ...]
# The arguments go to the kata runner (build/ConcurrencyKata.Runner) untouched: it alone parses
# them, and `./build.sh help` lists its targets. build.ps1 (and build.cmd, which runs it) does the same.
set -uo pipefail
cd "$(dirname "$0")"

# the .NET 10 SDK: the same check as build.ps1's
if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET SDK was not found (no dotnet on PATH)." >&2
  echo "ConcurrencyKata needs the .NET 10 SDK: https://dotnet.microsoft.com/download/dotnet/10.0" >&2
  exit 127
fi
if ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
  echo "ConcurrencyKata needs the .NET 10 SDK; this machine has:" >&2
  dotnet --list-sdks >&2
  echo "Install .NET 10: https://dotnet.microsoft.com/download/dotnet/10.0" >&2
  exit 127
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export KATA_COMMAND="${KATA_COMMAND:-./build.sh}"
runner=build/ConcurrencyKata.Runner/bin/Debug/net10.0/kata.dll

build_runner() {
  echo "Building the kata runner..." >&2
  if ! out=$(dotnet build build/ConcurrencyKata.Runner -nologo -v:q -clp:NoSummary 2>&1); then
    echo "$out" >&2
    exit 1
  fi
}

[ -f "$runner" ] || build_runner
dotnet "$runner" "$@"
code=$?
# 75: the runner is older than its sources (it said so): build it and run the same command again
if [ "$code" -eq 75 ]; then
  build_runner
  KATA_RUNNER_BUILT=1 dotnet "$runner" "$@"
  code=$?
fi
exit "$code"
