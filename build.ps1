#!/usr/bin/env pwsh
# ConcurrencyKata: .\build.ps1 [target] [--parameter=value ...]
# `.\build.ps1 help` lists the targets (the kata runner's table: build/ConcurrencyKata.Runner/Commands.cs).
$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot

if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
    Write-Error "The .NET SDK was not found (no dotnet on PATH). ConcurrencyKata needs the .NET 10 SDK: https://dotnet.microsoft.com/download/dotnet/10.0"
    exit 127
}
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
if (-not $env:KATA_COMMAND) { $env:KATA_COMMAND = '.\build.ps1' }

$target = 'test'
$rest = @()
foreach ($a in $args) {
    if ("$a".StartsWith('--')) { $rest += "$a" } else { $target = "$a" }
}

dotnet tool restore | Out-Null
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
dotnet cake build/build.cake "--target=$target" --verbosity=quiet --no-report @rest
exit $LASTEXITCODE
