// The facts script, embedded so esbuild bundles ship it. Generated from facts.sh:
// a test fails when the two differ; regenerate with the command in test/collectors/linux-parsers.test.ts.
export const FACTS_SCRIPT: string = String.raw`# Inventory facts script: POSIX sh, no bashisms, no sudo. Runs under dash,
# bash and BusyBox ash. Prints sections "@@section <name>" followed by raw
# tool output; every tool is optional and a missing one yields an empty or
# absent section, never a failure. Keep in sync with facts-script.ts.
LC_ALL=C
export LC_ALL
PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export PATH

have() { command -v "$1" >/dev/null 2>&1; }
section() { printf '@@section %s\n' "$1"; }
# Run a command with a time limit when timeout(1) exists (GNU or BusyBox).
limited() {
  if have timeout; then timeout 10 "$@"; else "$@"; fi
}
catf() { if [ -r "$1" ]; then cat "$1" 2>/dev/null; fi; }

section meta
printf 'script=1\n'
printf 'epoch=%s\n' "$(date +%s 2>/dev/null)"

section hostname
if [ -r /proc/sys/kernel/hostname ]; then
  cat /proc/sys/kernel/hostname
elif have hostname; then
  hostname 2>/dev/null
elif have uname; then
  uname -n 2>/dev/null
fi

section fqdn
if have hostname; then limited hostname -f 2>/dev/null; fi

section os-release
if [ -r /etc/os-release ]; then
  cat /etc/os-release
elif [ -r /usr/lib/os-release ]; then
  cat /usr/lib/os-release
fi
section os-hints
for f in /etc/redhat-release /etc/alpine-release /etc/debian_version; do
  if [ -r "$f" ]; then printf '%s=%s\n' "$f" "$(head -n 1 "$f" 2>/dev/null)"; fi
done

section uname
if have uname; then
  printf 'sysname=%s\n' "$(uname -s 2>/dev/null)"
  printf 'release=%s\n' "$(uname -r 2>/dev/null)"
  printf 'machine=%s\n' "$(uname -m 2>/dev/null)"
else
  printf 'sysname=%s\n' "$(catf /proc/sys/kernel/ostype)"
  printf 'release=%s\n' "$(catf /proc/sys/kernel/osrelease)"
fi

section cpuinfo
catf /proc/cpuinfo
section cpu-topology
for d in /sys/devices/system/cpu/cpu[0-9]*; do
  [ -d "$d/topology" ] || continue
  printf '%s %s %s\n' "$(basename "$d")" "$(catf "$d/topology/physical_package_id")" "$(catf "$d/topology/core_id")"
done
section cpu-online
catf /sys/devices/system/cpu/online

section meminfo
catf /proc/meminfo

section block-devices
for d in /sys/block/*; do
  [ -r "$d/size" ] || continue
  model=''
  if [ -r "$d/device/model" ]; then model=$(cat "$d/device/model" 2>/dev/null); fi
  printf '%s\t%s\t%s\t%s\n' "$(basename "$d")" "$(cat "$d/size" 2>/dev/null)" "$(catf "$d/removable")" "$model"
done

section df
if have df; then limited df -P -k 2>/dev/null; fi
section mounts
catf /proc/mounts

section ip-link
if have ip; then ip -o link 2>/dev/null; fi
section ip-addr
if have ip; then ip -o addr 2>/dev/null; fi
section net-sys
for d in /sys/class/net/*; do
  [ -d "$d" ] || continue
  printf '%s\t%s\t%s\n' "$(basename "$d")" "$(catf "$d/address")" "$(catf "$d/operstate")"
done
section if-inet6
catf /proc/net/if_inet6
section ifconfig
if ! have ip && have ifconfig; then ifconfig -a 2>/dev/null; fi

section ip-route
if have ip; then ip route show default 2>/dev/null; fi
section proc-net-route
catf /proc/net/route

section dmi
for k in sys_vendor product_name product_serial product_uuid product_version board_vendor board_name chassis_vendor bios_vendor bios_version; do
  if [ -r "/sys/class/dmi/id/$k" ]; then
    v=$(cat "/sys/class/dmi/id/$k" 2>/dev/null) && printf '%s=%s\n' "$k" "$v"
  fi
done

section virt
if have systemd-detect-virt; then
  printf 'systemd-detect-virt-vm=%s\n' "$(systemd-detect-virt --vm 2>/dev/null)"
  printf 'systemd-detect-virt-container=%s\n' "$(systemd-detect-virt --container 2>/dev/null)"
fi
if [ -e /.dockerenv ]; then printf 'dockerenv=1\n'; fi
if [ -e /run/.containerenv ]; then printf 'containerenv=1\n'; fi
if [ -r /sys/hypervisor/type ]; then printf 'sys-hypervisor=%s\n' "$(cat /sys/hypervisor/type 2>/dev/null)"; fi
if [ -r /proc/1/cgroup ]; then
  c=$(grep -E -m 1 'docker|lxc|kubepods|containerd|libpod' /proc/1/cgroup 2>/dev/null)
  if [ -n "$c" ]; then printf 'cgroup=%s\n' "$c"; fi
fi

section uptime
catf /proc/uptime

section timezone
if [ -r /etc/timezone ]; then printf 'etc-timezone=%s\n' "$(head -n 1 /etc/timezone 2>/dev/null)"; fi
if [ -L /etc/localtime ]; then
  if have readlink; then printf 'localtime-link=%s\n' "$(readlink /etc/localtime 2>/dev/null)"; fi
fi
if [ -n "$TZ" ] 2>/dev/null; then printf 'tz-env=%s\n' "$TZ"; fi
printf 'date-zone=%s\n' "$(date +%Z 2>/dev/null)"
printf 'date-offset=%s\n' "$(date +%z 2>/dev/null)"

printf '@@end\n'
exit 0
`;
