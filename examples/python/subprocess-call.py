# Seed 000 ("subprocess模块"), with one change. Twin: examples/subprocess-call.ts
#
# The change: the seed runs `nslookup www.python.org`, which needs nslookup (not on a fresh Debian:
# it comes with the dnsutils package) and a DNS server on the network. This runs
# `getent hosts localhost`, the same kind of lookup answered by the system's own resolver
# (/etc/hosts first), with a program every Debian has (libc-bin). What it prints depends on this
# machine's /etc/hosts, the same for both programs.

import subprocess

r = subprocess.call(['getent','hosts','localhost'])

print('Exit code:',r)
