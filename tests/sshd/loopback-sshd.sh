#!/usr/bin/env bash
# A throwaway OpenSSH server on 127.0.0.1 for runbook's fleet tests, benchmarks and demos.
#
#   bash tests/sshd/loopback-sshd.sh DIR [PORT] [ALIASES]
#
# Creates DIR (0700) with a host key, a client key, sshd_config and an ssh_config that
# names ALIASES (default 20) hosts host01, host02, … — all this one server, each alias
# with its own HostKeyAlias-checked known_hosts entry and `SetEnv RUNBOOK_TEST_HOST=<alias>`
# so a command knows which alias it came in as — plus `dead`, an alias of a closed port.
# Then runs sshd in the foreground (Ctrl-C or kill stops it). PORT 0 or missing: a free
# port. Use it with `ssh -F DIR/ssh_config host01 …` or `runbook --ssh-config
# DIR/ssh_config …`; nothing reads or writes ~/.ssh.
#
# Runs as any user, who can then log in as themselves only (root: key logins only).
set -euo pipefail

dir=${1:?usage: loopback-sshd.sh DIR [PORT] [ALIASES]}
port=${2:-0}
aliases=${3:-20}
sshd=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$sshd" ] || { echo "no sshd: install openssh-server (apt-get install -y openssh-server)" >&2; exit 2; }

if [ "$port" = 0 ]; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
mkdir -p "$dir"
chmod 700 "$dir"
dir=$(cd "$dir" && pwd)
user=$(id -un)

[ -f "$dir/host_key" ] || ssh-keygen -q -t ed25519 -N '' -C runbook-loopback-host -f "$dir/host_key"
[ -f "$dir/client_key" ] || ssh-keygen -q -t ed25519 -N '' -C runbook-loopback-client -f "$dir/client_key"
cp "$dir/client_key.pub" "$dir/authorized_keys"
echo "runbook-loopback $(cut -d' ' -f1,2 "$dir/host_key.pub")" >"$dir/known_hosts"

# SetEnv SHLVL=1: bash reads ~/.bashrc for ssh commands only at shell level 1; a slow rc
# file (pyenv, nvm) would otherwise dominate every timing taken against this server.
cat >"$dir/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
AllowUsers $user
AcceptEnv RUNBOOK_*
SetEnv SHLVL=1
MaxStartups 200
MaxSessions 200
PrintMotd no
LogLevel ERROR
CONF

{
  for i in $(seq 1 "$aliases"); do
    name=$(printf 'host%02d' "$i")
    cat <<CONF
Host $name
  HostName 127.0.0.1
  Port $port
  SetEnv RUNBOOK_TEST_HOST=$name
CONF
  done
  cat <<CONF
Host dead
  HostName 127.0.0.1
  Port 1
Host *
  User $user
  IdentityFile $dir/client_key
  IdentitiesOnly yes
  IdentityAgent none
  HostKeyAlias runbook-loopback
  UserKnownHostsFile $dir/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  UpdateHostKeys no
  LogLevel ERROR
CONF
} >"$dir/ssh_config"

if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then
  mkdir -p -m 0755 /run/sshd   # sshd's privilege-separation directory, needed when root
fi
echo "loopback sshd: 127.0.0.1:$port, ssh_config $dir/ssh_config, aliases host01..$(printf 'host%02d' "$aliases"), dead" >&2
exec "$sshd" -D -e -f "$dir/sshd_config"
