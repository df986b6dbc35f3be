// The one command the Windows collector runs over SSH (Windows OpenSSH, Server 2019+).
//
// Windows OpenSSH hands an exec request to its default shell, cmd.exe, whose quoting
// rules differ from every other shell's. The script therefore travels as
// `-EncodedCommand`: base64 of its UTF-16LE bytes, a single token cmd.exe passes through
// untouched. `powershell.exe` is Windows PowerShell 5.1, present on every Windows Server.
//
// The script reads six CIM classes, each in its own try/catch with `-ErrorAction Stop`:
// a class that fails (WMI repository damage, access denied, a provider that times out)
// becomes `null` with its message under `errors`, and the other classes still arrive.
// Only the properties the parser reads are selected, so the JSON stays a few KB.
// The JSON goes straight to the console's writer, not through PowerShell's formatter,
// so no line wrapping or host formatting can alter it; every non-ASCII character is
// written as a JSON `\uXXXX` escape first, so the console code page (437, 850, 1252...)
// cannot garble a localised caption or a vendor name with a (R) sign.
// `$ProgressPreference` silences "Preparing modules for first use" progress records,
// which Windows PowerShell would otherwise serialise to stderr as `#< CLIXML`.
//
// Single results are not wrapped in `@()`: Windows PowerShell 5.1 serialises a wrapped
// array as `{"value":[...],"Count":n}` in some cases. The parser instead accepts an
// object where it expects an array (ConvertTo-Json unwraps one-element pipeline output).

/** Keys of the JSON object the script prints, one per CIM class. */
export const windowsClassKeys = ['os', 'computerSystem', 'processors', 'logicalDisks', 'networkAdapters', 'bios'] as const;
export type WindowsClassKey = (typeof windowsClassKeys)[number];

interface ClassQuery {
  key: WindowsClassKey;
  className: string;
  properties: readonly string[];
  filter?: string;
}

/** What the script asks of each class. Exported so tests and docs can show it. */
export const windowsClassQueries: readonly ClassQuery[] = [
  {
    key: 'os',
    className: 'Win32_OperatingSystem',
    properties: [
      'CSName',
      'Caption',
      'Version',
      'BuildNumber',
      'OSArchitecture',
      'InstallDate',
      'LastBootUpTime',
      'LocalDateTime',
      'TotalVisibleMemorySize',
    ],
  },
  {
    key: 'computerSystem',
    className: 'Win32_ComputerSystem',
    properties: [
      'Name',
      'DNSHostName',
      'Domain',
      'PartOfDomain',
      'Manufacturer',
      'Model',
      'TotalPhysicalMemory',
      'NumberOfProcessors',
      'NumberOfLogicalProcessors',
    ],
  },
  {
    key: 'processors',
    className: 'Win32_Processor',
    properties: ['Name', 'NumberOfCores', 'NumberOfLogicalProcessors'],
  },
  {
    key: 'logicalDisks',
    className: 'Win32_LogicalDisk',
    properties: ['DeviceID', 'DriveType', 'FileSystem', 'VolumeName', 'Size', 'FreeSpace'],
  },
  {
    key: 'networkAdapters',
    className: 'Win32_NetworkAdapterConfiguration',
    filter: 'IPEnabled = TRUE',
    properties: ['Description', 'MACAddress', 'IPAddress', 'IPSubnet', 'DefaultIPGateway', 'DHCPEnabled', 'InterfaceIndex'],
  },
  {
    key: 'bios',
    className: 'Win32_BIOS',
    properties: ['Manufacturer', 'SerialNumber', 'SMBIOSBIOSVersion', 'Version'],
  },
];

/** Version of the JSON shape, printed as `v` so a future parser can tell shapes apart. */
export const windowsOutputVersion = 1;

function psString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function classLine(query: ClassQuery): string {
  const props = query.properties.join(',');
  const filter = query.filter === undefined ? '' : ` -Filter ${psString(query.filter)}`;
  return (
    `try{$r.${query.key}=Get-CimInstance -ClassName ${query.className}${filter} -ErrorAction Stop|Select-Object -Property ${props}}` +
    `catch{$r.${query.key}=$null;$e.${query.key}=$_.Exception.Message}`
  );
}

/** The PowerShell script, readable (one statement per line). */
export const windowsInventoryScript: string = [
  "$ProgressPreference='SilentlyContinue'",
  `$r=[ordered]@{v=${windowsOutputVersion}}`,
  '$e=[ordered]@{}',
  ...windowsClassQueries.map(classLine),
  '$r.errors=$e',
  '$j=ConvertTo-Json -InputObject $r -Depth 4 -Compress',
  String.raw`$j=[regex]::Replace($j,'[^\x00-\x7e]',{param($m)'\u{0:x4}' -f [int]$m.Value[0]})`,
  '[Console]::Out.Write($j)',
].join('\n');

/** Base64 of the script's UTF-16LE bytes, as `-EncodedCommand` expects. */
export function encodePowerShell(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}

/**
 * The exact command line sent in the SSH exec request. `-InputFormat None` keeps
 * powershell.exe from waiting on stdin, which an SSH exec channel leaves open.
 * Well under cmd.exe's 8,191-character command-line limit (a test checks).
 */
export const windowsInventoryCommand: string =
  'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -InputFormat None -EncodedCommand ' +
  encodePowerShell(windowsInventoryScript);
