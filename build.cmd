@echo off
rem ConcurrencyKata: build.cmd [target] [--parameter=value | --parameter value ...]
rem Command Prompt splits arguments at "=" (--exercise=01 would become two), so this file parses
rem nothing: it runs build.ps1 with the arguments as typed (%*), and build.ps1 hands them on.
setlocal
if "%KATA_COMMAND%"=="" set KATA_COMMAND=build.cmd
powershell -NoProfile -ExecutionPolicy Bypass -File "%~dp0build.ps1" %*
exit /b %ERRORLEVEL%
