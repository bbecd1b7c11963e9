# Seed 003 ("子进程及进程间的通讯"), with one change. Twin: examples/subprocess-popen.ts
#
# The change: the seed runs nslookup twice, which needs nslookup (not on a fresh Debian: it comes
# with the dnsutils package) and a DNS server on the network. First `nslookup www.python.org`,
# here `getent hosts localhost`: the same kind of lookup, answered by the system's own resolver
# (/etc/hosts first), with a program every Debian has (libc-bin). Then nslookup in its interactive
# mode, fed three commands on stdin ("set q=mx" to choose what to look up, a name, "exit"); here
# the interactive program is sh, fed the same three steps: choose the database (q=hosts), look a
# name up in it, exit. What getent prints depends on this machine's /etc/hosts, the same for both
# programs.

import subprocess #该模块可以比较方便启动一个子进程，然后控制输入输出

print('$ getent hosts localhost')
r= subprocess.call(['getent','hosts','localhost'])
print('Exit code:',r)


print('$ sh')
p=subprocess.Popen(['sh'],stdin=subprocess.PIPE, stdout=subprocess.PIPE,stderr=subprocess.PIPE)
output, err=p.communicate(b'q=hosts\ngetent $q localhost\nexit\n') #子进程需要输入参数的话，使用communicate。
print(output.decode('utf-8'))
print('Exit code:',p.returncode)
