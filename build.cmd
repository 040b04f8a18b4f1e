@echo off
rem ConcurrencyKata: build.cmd [target] [--parameter=value ...]
rem `build.cmd help` lists the targets (the kata runner's table: build/ConcurrencyKata.Runner/Commands.cs).
setlocal
cd /d "%~dp0"
where dotnet >nul 2>nul
if errorlevel 1 (
  echo The .NET SDK was not found ^(no dotnet on PATH^). 1>&2
  echo ConcurrencyKata needs the .NET 10 SDK: https://dotnet.microsoft.com/download/dotnet/10.0 1>&2
  exit /b 127
)
set DOTNET_CLI_TELEMETRY_OPTOUT=1
set DOTNET_NOLOGO=1
if "%KATA_COMMAND%"=="" set KATA_COMMAND=build.cmd
set TARGET=test
set ARGS=
:loop
if "%~1"=="" goto run
set "ARG=%~1"
if "%ARG:~0,2%"=="--" (set "ARGS=%ARGS% %1") else (set "TARGET=%~1")
shift
goto loop
:run
dotnet tool restore >nul || exit /b 1
dotnet cake build/build.cake --target=%TARGET% --verbosity=quiet --no-report %ARGS%
exit /b %ERRORLEVEL%
