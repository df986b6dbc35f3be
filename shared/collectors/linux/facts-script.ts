// The facts script, embedded so esbuild bundles ship it. Generated from facts.sh:
// a test fails when the two differ; regenerate with the command in test/collectors/linux-parsers.test.ts.
export const FACTS_SCRIPT: string = String.raw`# Inventory facts script: POSIX sh, no bashisms, no sudo. Runs under dash,
# bash and BusyBox ash. Prints sections "@@section <name>" followed by raw
# tool output; every tool is optional and a missing one yields an empty or
# absent section, never a failure. Keep in sync with facts-script.ts.
#
# Cheap by design: single-line files are read with the read builtin and
# directories walked with cd + globs, so a run starts about 20 processes
# instead of one per file (a host is collected in tens of milliseconds).
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
# First line of a readable file into $line (empty otherwise), without a process.
first() {
  line=''
  if [ -r "$1" ]; then IFS= read -r line < "$1" 2>/dev/null; fi
  return 0
}
# A small file printed by the shell itself.
dump() {
  if [ -r "$1" ]; then
    while IFS= read -r l || [ -n "$l" ]; do printf '%s\n' "$l"; done < "$1" 2>/dev/null
  fi
  return 0
}
catf() { if [ -r "$1" ]; then cat "$1" 2>/dev/null; fi; }

# One date(1) for the epoch and the zone: later sections reuse them.
now_epoch='' now_zone='' now_offset=''
if have date; then
  set -- $(date '+%s %Z %z' 2>/dev/null)
  now_epoch=$1 now_zone=$2 now_offset=$3
fi

section meta
printf 'script=1\n'
printf 'epoch=%s\n' "$now_epoch"

section hostname
if [ -r /proc/sys/kernel/hostname ]; then
  first /proc/sys/kernel/hostname
  printf '%s\n' "$line"
elif have hostname; then
  hostname 2>/dev/null
elif have uname; then
  uname -n 2>/dev/null
fi

section fqdn
if have hostname; then limited hostname -f 2>/dev/null; fi

section os-release
if [ -r /etc/os-release ]; then
  dump /etc/os-release
elif [ -r /usr/lib/os-release ]; then
  dump /usr/lib/os-release
fi
section os-hints
for f in /etc/redhat-release /etc/alpine-release /etc/debian_version; do
  if [ -r "$f" ]; then first "$f"; printf '%s=%s\n' "$f" "$line"; fi
done

section uname
if have uname; then
  set -- $(uname -s -r -m 2>/dev/null)
  printf 'sysname=%s\n' "$1"
  printf 'release=%s\n' "$2"
  printf 'machine=%s\n' "$3"
else
  first /proc/sys/kernel/ostype
  printf 'sysname=%s\n' "$line"
  first /proc/sys/kernel/osrelease
  printf 'release=%s\n' "$line"
fi

section cpuinfo
catf /proc/cpuinfo
section cpu-topology
if cd /sys/devices/system/cpu 2>/dev/null; then
  for n in cpu[0-9]*; do
    [ -d "$n/topology" ] || continue
    first "$n/topology/physical_package_id"
    package=$line
    first "$n/topology/core_id"
    printf '%s %s %s\n' "$n" "$package" "$line"
  done
  cd /
fi
section cpu-online
first /sys/devices/system/cpu/online
[ -n "$line" ] && printf '%s\n' "$line"

section meminfo
dump /proc/meminfo

section block-devices
if cd /sys/block 2>/dev/null; then
  for n in *; do
    [ -r "$n/size" ] || continue
    first "$n/device/model"
    model=$line
    first "$n/removable"
    removable=$line
    first "$n/size"
    printf '%s\t%s\t%s\t%s\n' "$n" "$line" "$removable" "$model"
  done
  cd /
fi

section df
if have df; then limited df -P -k 2>/dev/null; fi
section mounts
catf /proc/mounts

section ip-link
if have ip; then ip -o link 2>/dev/null; fi
section ip-addr
if have ip; then ip -o addr 2>/dev/null; fi
section net-sys
if cd /sys/class/net 2>/dev/null; then
  for n in *; do
    [ -d "$n" ] || continue
    first "$n/address"
    address=$line
    first "$n/operstate"
    printf '%s\t%s\t%s\n' "$n" "$address" "$line"
  done
  cd /
fi
section if-inet6
dump /proc/net/if_inet6
section ifconfig
if ! have ip && have ifconfig; then ifconfig -a 2>/dev/null; fi

section ip-route
if have ip; then ip route show default 2>/dev/null; fi
section proc-net-route
dump /proc/net/route

section dmi
for k in sys_vendor product_name product_serial product_uuid product_version board_vendor board_name chassis_vendor bios_vendor bios_version; do
  if [ -r "/sys/class/dmi/id/$k" ]; then
    first "/sys/class/dmi/id/$k"
    printf '%s=%s\n' "$k" "$line"
  fi
done

section virt
if have systemd-detect-virt; then
  printf 'systemd-detect-virt-vm=%s\n' "$(systemd-detect-virt --vm 2>/dev/null)"
  printf 'systemd-detect-virt-container=%s\n' "$(systemd-detect-virt --container 2>/dev/null)"
fi
if [ -e /.dockerenv ]; then printf 'dockerenv=1\n'; fi
if [ -e /run/.containerenv ]; then printf 'containerenv=1\n'; fi
if [ -r /sys/hypervisor/type ]; then first /sys/hypervisor/type; printf 'sys-hypervisor=%s\n' "$line"; fi
if [ -r /proc/1/cgroup ]; then
  while IFS= read -r c; do
    case $c in
      *docker*|*lxc*|*kubepods*|*containerd*|*libpod*) printf 'cgroup=%s\n' "$c"; break ;;
    esac
  done < /proc/1/cgroup
fi

section uptime
dump /proc/uptime

section timezone
if [ -r /etc/timezone ]; then first /etc/timezone; printf 'etc-timezone=%s\n' "$line"; fi
if [ -L /etc/localtime ]; then
  if have readlink; then printf 'localtime-link=%s\n' "$(readlink /etc/localtime 2>/dev/null)"; fi
fi
if [ -n "$TZ" ] 2>/dev/null; then printf 'tz-env=%s\n' "$TZ"; fi
printf 'date-zone=%s\n' "$now_zone"
printf 'date-offset=%s\n' "$now_offset"

printf '@@end\n'
exit 0
`;
