#!/usr/bin/env pwsh
# ConcurrencyKata: .\build.ps1 [target] [--parameter=value | --parameter value ...]
# Runs under Windows PowerShell 5.1 and PowerShell 7; build.cmd runs it for Command Prompt.
# The arguments go to the kata runner (build/ConcurrencyKata.Runner) untouched: it alone parses
# them, and `.\build.ps1 help` lists its targets. build.sh does the same.
[CmdletBinding()]
Param(
    [Parameter(Position = 0, Mandatory = $false, ValueFromRemainingArguments = $true)]
    [string[]]$KataArguments
)
Set-Location -LiteralPath $PSScriptRoot
if ($null -eq $KataArguments) { $KataArguments = @() }

# the .NET 10 SDK: the same check as build.sh's
if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
    [Console]::Error.WriteLine('The .NET SDK was not found (no dotnet on PATH).')
    [Console]::Error.WriteLine('ConcurrencyKata needs the .NET 10 SDK: https://dotnet.microsoft.com/download/dotnet/10.0')
    exit 127
}
$sdks = @(& dotnet --list-sdks 2>$null)
if (-not ($sdks | Where-Object { $_ -match '^10\.' })) {
    [Console]::Error.WriteLine('ConcurrencyKata needs the .NET 10 SDK; this machine has:')
    $sdks | ForEach-Object { [Console]::Error.WriteLine($_) }
    [Console]::Error.WriteLine('Install .NET 10: https://dotnet.microsoft.com/download/dotnet/10.0')
    exit 127
}

$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'
if (-not $env:KATA_COMMAND) { $env:KATA_COMMAND = '.\build.ps1' }
$runner = 'build/ConcurrencyKata.Runner/bin/Debug/net10.0/kata.dll'

function Build-Runner {
    [Console]::Error.WriteLine('Building the kata runner...')
    $out = & dotnet build build/ConcurrencyKata.Runner -nologo -v:q -clp:NoSummary 2>&1 | Out-String
    if ($LASTEXITCODE -ne 0) {
        [Console]::Error.WriteLine($out)
        exit 1
    }
}

if (-not (Test-Path -LiteralPath $runner)) { Build-Runner }
& dotnet $runner @KataArguments
$code = $LASTEXITCODE
# 75: the runner is older than its sources (it said so): build it and run the same command again
if ($code -eq 75) {
    Build-Runner
    $env:KATA_RUNNER_BUILT = '1'
    & dotnet $runner @KataArguments
    $code = $LASTEXITCODE
    Remove-Item Env:KATA_RUNNER_BUILT
}
exit $code
