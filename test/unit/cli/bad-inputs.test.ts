import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { ExitCode, type ExitCodeValue } from '../../../harness/cli/exit-codes.ts';
import { openHistory } from '../../../harness/results/history.ts';
import { openSqliteDb } from '../../../harness/results/history/sqlite-db.ts';
import { runCli } from '../../support/capture-cli.ts';
import { writeFakeRun } from '../../support/fake-run.ts';
import { buildSysfsTree, type SysfsTree } from '../../support/sysfs-tree.ts';
import { tempDir } from '../../support/temp-dirs.ts';

/**
 * The bad-input table: the whole CLI over inputs a person (or a script with an unset variable)
 * gets wrong. For each row: the documented exit code, no stack trace and no "internal error", a
 * message that names the bad value, and no file made or changed (read commands never create a
 * history; a refused command changes nothing). Rows run in-process (test/support/capture-cli.ts,
 * a few ms each); rows marked `spawn` go through bin/passbench.js, because how a scenario file is
 * loaded differs under mocha's tsx from the real command's.
 *
 * Safety: no row may change this machine. Host-changing commands (bind, sriov, restore) fail at
 * validation before a host is opened; the ones given a blank --host run only once `doctor --host ''`
 * is refused (else they would act on this machine), and name a device this machine does not have
 * and a journal in the temp folder, as a second fence. `run` rows are dry runs.
 *
 * A leading `@name` in a row stands for <fixtures>/name; `@tree` for a simulated sysfs tree's root.
 * The scenario corpus of `run` against simulated hosts is test/unit/scenario/bad-input.test.ts;
 * this table does not repeat its rows.
 */
interface Row {
  /** What is wrong, in words. */
  what: string;
  args: string[];
  code: ExitCodeValue;
  /** Text the message must hold: the bad value as given. */
  names: string;
  env?: Record<string, string>;
  spawn?: boolean;
  /** Would act on this machine unless a blank --host is refused: run only once it is. */
  blankHostGate?: boolean;
}

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl lab1';
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/passbench.js');
const STEPS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../harness/scenario/index.ts');
/** Not a device of this machine (nor of any usual one). */
const ABSENT_BDF = '0000:7f:1f.7';

const host = (extra = '', devices = '    devices:\n      - { mode: e1000, network: user }\n') =>
  `  lab1:\n    address: 10.0.0.1\n    identityFile: /nonexistent/id\n    hostKey: ${KEY}\n${extra}${devices}`;
const lab = (extra = '', run = '  guest: { iso: /images/guest.iso }\n') => `hosts:\n${host(extra)}run:\n${run}`;
const selection = (body: string) => `hosts:\n  lab1:\n    devices:\n      - { mode: e1000, network: user }\nrun:\n${body}`;
const scenario = (body: string) => `import { defineScenario, prove } from '${STEPS}';\n${body}\n`;

/** Files written into the fixtures folder before the table runs. */
const FILES: Record<string, string> = {
  'lab.yaml': lab(),
  'lab-peer.yaml': `hosts:\n${host()}  gen:\n    role: peer\n    address: 10.0.0.2\n    identityFile: /nonexistent/id\n    hostKey: ${KEY}\nrun:\n  guest: { iso: /images/guest.iso }\n  peer: { host: gen, address: 10.0.3.11 }\n`,
  'lab-bad-yaml.yaml': 'hosts:\n  lab1: { address: [\n',
  'lab-list.yaml': '- lab1\n- lab2\n',
  'lab-empty.yaml': '',
  'lab-journal-dotdot.yaml': lab('    journalDir: /var/lib/../../tmp\n'),
  'lab-journal-relative.yaml': lab('    journalDir: var/lib/passbench\n'),
  'lab-port-0.yaml': lab('    port: 0\n'),
  'lab-port-big.yaml': lab('    port: 70000\n'),
  'lab-port-text.yaml': lab('    port: "22; reboot"\n'),
  'lab-address.yaml': lab().replace('address: 10.0.0.1', 'address: "10.0.0.1 -oProxyCommand=x"'),
  'lab-user.yaml': lab('    user: "root;id"\n'),
  'lab-hostkey.yaml': lab().replace(KEY, 'ssh-rsa AAAAnotakey'),
  'lab-no-hostkey.yaml': lab().replace(`    hostKey: ${KEY}\n`, ''),
  'lab-two-keys.yaml': lab('    knownHostsFile: ./known_hosts\n'),
  'lab-unknown-field.yaml': lab('    identity_file: /x\n'),
  'lab-host-name.yaml': lab().replace('  lab1:', '  Lab_1:'),
  'lab-hosts-list.yaml': 'hosts: [lab1, lab2]\n',
  'lab-run-typo.yaml': lab('', '  guest: { iso: /images/guest.iso }\n  repetition: 3\n'),
  'sel-connection.yaml': 'hosts:\n  lab1:\n    address: 10.0.0.9\n',
  'sel-host.yaml': 'hosts:\n  lab7:\n    devices:\n      - { mode: e1000, network: user }\n',
  'sel-list.yaml': '- devices\n',
  'sel-bitrate.yaml': selection('  iperf3: { udpBitrate: 10X }\n'),
  'sel-streams.yaml': selection('  iperf3: { streams: 0 }\n'),
  'sel-measure.yaml': selection('  durations: { measureS: 0 }\n'),
  'sel-boot.yaml': selection('  durations: { bootS: 1 }\n'),
  'sel-accel.yaml': selection('  accel: qemu\n'),
  'sel-baseline.yaml': selection('  baseline: { mode: virtio }\n'),
  'sel-previous.yaml': selection('  baseline: { previous: yesterday }\n'),
  'sel-memory.yaml': selection('  guest: { iso: /g.iso, memoryMiB: 64 }\n'),
  'sel-cpus.yaml': selection('  guest: { iso: /g.iso, cpus: 0 }\n'),
  'sel-append.yaml': selection('  guest: { iso: /g.iso, append: ["console=ttyS0; reboot"] }\n'),
  'sel-tests-empty.yaml': selection('  tests: []\n'),
  'sel-tests-string.yaml': selection('  tests: tcp\n'),
  'sel-results-dir.yaml': selection('  resultsDir: "reports/$(id)"\n'),
  'sel-model-name.yaml': selection('  models: { "bad model": { nic: { vendorDevice: "8086:10fb", driver: ixgbe } } }\n'),
  'sel-devices-map.yaml': 'hosts:\n  lab1:\n    devices: { mode: e1000, network: user }\n',
  'sel-peer-host.yaml': selection('  peer: { host: "Peer_1", address: 10.0.3.10 }\n'),
  'scenario-syntax.ts': 'export default {;\n',
  'scenario-missing-import.ts': "import { defineScenario } from '../harness/scenario/index.ts';\nexport default defineScenario({ name: 'x', description: 'x', modes: ['e1000'], steps: [] });\n",
  'scenario-throws.ts': scenario("export default defineScenario({ name: 'Bad Name', description: 'x', modes: ['e1000'], steps: [prove()] });"),
  'scenario-against-e1000.ts': scenario("export default defineScenario({ name: 'x', description: 'x', modes: ['e1000'], steps: [prove()], compare: { against: ['e1000'] as never } });"),
  'scenario-no-default.ts': scenario("export const s = defineScenario({ name: 'x', description: 'x', modes: ['e1000'], steps: [prove()] });"),
  'scenario-number.ts': 'export default 42;\n',
  'scenario-type-error.ts': scenario("const n: number = 'x';\nexport default defineScenario({ name: 'x', description: 'x', modes: ['e1000'], steps: [prove()] }) + n;"),
  'scenario.js': 'export default {};\n',
  'lab-history-folder.yaml': lab('', '  guest: { iso: /images/guest.iso }\n  history: folder.sqlite\n'),
  'lab-huge.yaml': `${lab()}${'# padding\n'.repeat(120_000)}`,
  'sel-only.yaml': 'hosts:\n  lab1:\n    devices:\n      - { mode: e1000, network: user }\n',
  'not-a-db.sqlite': 'this is a text file, not a SQLite database, long enough for SQLite to look at its header',
  'empty.sqlite': '',
};

const ROWS: Row[] = [
  // --- the command line itself (commander)
  { what: 'an unknown command', args: ['frobnicate'], code: 2, names: 'frobnicate' },
  { what: 'an unknown option', args: ['doctor', '--frobnicate'], code: 2, names: '--frobnicate' },
  { what: 'bind without a device', args: ['bind'], code: 2, names: 'bdf' },
  { what: 'sriov without --vfs', args: ['sriov', ABSENT_BDF], code: 2, names: '--vfs' },
  { what: 'an option without its value', args: ['history', '--limit'], code: 2, names: '--limit' },
  { what: 'an unknown lab subcommand', args: ['lab', 'frobnicate'], code: 2, names: 'frobnicate' },
  { what: 'a lab host kernel not on offer', args: ['lab', 'up', '--kernel', '5.10'], code: 2, names: '--kernel "5.10": expected one of 6.1, 6.12' },
  { what: 'a peer rate that is not a number', args: ['lab', 'up', '--peer-rate', '10M'], code: 2, names: '--peer-rate "10M": expected a number of Mbit/s' },
  { what: 'a peer rate of zero', args: ['lab', 'up', '--peer-rate', '0'], code: 2, names: '--peer-rate "0"' },
  { what: 'a peer rate past 10 Gbit/s', args: ['lab', 'up', '--peer-rate', '40000'], code: 2, names: 'at most 10000' },
  { what: 'compare with three sides', args: ['compare', 'r1', 'r2', 'r3', '--history', '@h.sqlite'], code: 2, names: 'Expected 2 arguments but got 3' },

  // --- --host, every command that takes one
  ...['doctor', 'devices'].flatMap((command): Row[] => [
    { what: `${command} --host ''`, args: [command, '--host', ''], code: 2, names: '--host ""' },
    { what: `${command} --host ' '`, args: [command, '--host', ' '], code: 2, names: '--host " "' },
  ]),
  ...([['bind', ABSENT_BDF], ['sriov', ABSENT_BDF, '--vfs', '0'], ['restore']] as const).flatMap((argv): Row[] => [
    { what: `${argv[0]} --host ''`, args: [...argv, '--journal', '@journal.json', '--host', ''], code: 2, names: '--host ""', blankHostGate: true },
    { what: `${argv[0]} --host ' '`, args: [...argv, '--journal', '@journal.json', '--host', ' '], code: 2, names: '--host " "', blankHostGate: true },
  ]),
  { what: "run --host ''", args: ['run', 'smoke', '--lab', '@lab.yaml', '--dry-run', '--host', ''], code: 2, names: '--host ""' },
  { what: "run --host ' '", args: ['run', 'smoke', '--lab', '@lab.yaml', '--dry-run', '--host', ' '], code: 2, names: '--host " "' },
  { what: "history --host ''", args: ['history', '--history', '@h.sqlite', '--host', ''], code: 2, names: '--host ""' },
  { what: "history --host ' '", args: ['history', '--history', '@h.sqlite', '--host', ' '], code: 2, names: '--host " "' },
  ...([['compare', 'r1', 'r2'], ['report', 'r1'], ['lab', 'status'], ['lab', 'up'], ['lab', 'down']] as const).map((argv): Row => (
    { what: `${argv.join(' ')} (no --host) --host ''`, args: [...argv, '--host', ''], code: 2, names: "unknown option '--host'" })),
  { what: "history import --host ''", args: ['history', 'import', '@r1', '--history', '@h.sqlite', '--host', ''], code: 2, names: '--host ""' },
  { what: 'history import with a list filter', args: ['history', 'import', '@r1', '--history', '@h.sqlite', '--limit', '5'], code: 2, names: '--limit "5"' },
  { what: 'shell in --host', args: ['doctor', '--host', 'lab1;reboot'], code: 2, names: 'lab1;reboot' },
  { what: 'a host name without --lab', args: ['doctor', '--host', 'lab1'], code: 2, names: 'lab1' },
  { what: 'a host the lab config lacks', args: ['doctor', '--host', 'lab9', '--lab', '@lab.yaml'], code: 2, names: 'lab9' },
  { what: 'a password in an ssh URL', args: ['doctor', '--host', 'ssh://root:secret@10.0.0.1:22'], code: 2, names: 'ssh://root:secret@10.0.0.1:22' },
  { what: 'a path in an ssh URL', args: ['doctor', '--host', 'ssh://root@10.0.0.1:22/etc'], code: 2, names: 'ssh://root@10.0.0.1:22/etc' },
  { what: 'an ssh URL port out of range', args: ['doctor', '--host', 'ssh://root@10.0.0.1:70000'], code: 2, names: 'ssh://root@10.0.0.1:70000' },
  { what: 'a bad user in an ssh URL', args: ['doctor', '--host', 'ssh://Root%3Bid@10.0.0.1:22'], code: 2, names: 'Root;id' },
  { what: 'an ssh URL whose key is not pinned', args: ['doctor', '--host', 'ssh://root@192.0.2.1:22'], code: 2, names: 'ssh://root@192.0.2.1:22', env: { HOME: '@home' } },

  // --- lab configs (through doctor: read before any connection)
  ...([
    ['a lab config that is not there', '@nonexistent.yaml', '@nonexistent.yaml: there is no such file or folder'],
    ['a lab config that is a folder', '@home', '@home'],
    ['malformed YAML', '@lab-bad-yaml.yaml', 'not valid YAML'],
    ['a list instead of a map', '@lab-list.yaml', 'hosts'],
    ['an empty lab config', '@lab-empty.yaml', 'hosts'],
    ['journalDir climbing out with ".."', '@lab-journal-dotdot.yaml', '/var/lib/../../tmp'],
    ['a relative journalDir', '@lab-journal-relative.yaml', 'var/lib/passbench'],
    ['port 0', '@lab-port-0.yaml', 'got 0'],
    ['port 70000', '@lab-port-big.yaml', 'got 70000'],
    ['shell in a port', '@lab-port-text.yaml', '22; reboot'],
    ['an option smuggled into the address', '@lab-address.yaml', '10.0.0.1 -oProxyCommand=x'],
    ['shell in the user', '@lab-user.yaml', 'root;id'],
    ['a host key that does not parse', '@lab-hostkey.yaml', 'hostKey'],
    ['no pinned host key', '@lab-no-hostkey.yaml', 'hostKey'],
    ['a host key from two places', '@lab-two-keys.yaml', 'not both'],
    ['an unknown field in a host', '@lab-unknown-field.yaml', 'identity_file'],
    ['a host name with capitals', '@lab-host-name.yaml', 'Lab_1'],
    ['hosts as a list', '@lab-hosts-list.yaml', 'hosts'],
    ['a device instead of a file', '/dev/zero', '/dev/zero: it is not a regular file'],
    ['a file of more than 1 MiB', '@lab-huge.yaml', `${Buffer.byteLength(FILES['lab-huge.yaml']!)} bytes`],
    ['an identity file that is not there', '@lab.yaml', '/nonexistent/id'],
  ] as const).map(([what, file, names]): Row => ({ what: `lab config: ${what}`, args: ['doctor', '--host', 'lab1', '--lab', file], code: 2, names })),
  { what: 'run: journalDir climbing out with ".."', args: ['run', 'smoke', '--lab', '@lab-journal-dotdot.yaml', '--dry-run'], code: 2, names: '/var/lib/../../tmp' },
  { what: 'run: port 0', args: ['run', 'smoke', '--lab', '@lab-port-0.yaml', '--dry-run'], code: 2, names: 'got 0' },
  { what: 'run: a typo under run:', args: ['run', 'smoke', '--lab', '@lab-run-typo.yaml', '--dry-run'], code: 2, names: 'repetition' },

  // --- scenario selection configs (run --config, laid over --lab)
  ...([
    ['a selection that is not there', '@nonexistent-selection.yaml', '@nonexistent-selection.yaml'],
    ['connection keys in a selection', '@sel-connection.yaml', 'address'],
    ['a host the lab config lacks', '@sel-host.yaml', 'lab7'],
    ['a list instead of a map', '@sel-list.yaml', 'a list'],
    ['a UDP rate without a unit it knows', '@sel-bitrate.yaml', '10X'],
    ['zero iperf3 streams', '@sel-streams.yaml', 'got 0'],
    ['a zero measurement time', '@sel-measure.yaml', 'got 0'],
    ['a boot deadline of 1 s', '@sel-boot.yaml', 'got 1'],
    ['an unknown accelerator', '@sel-accel.yaml', 'qemu'],
    ['an unknown baseline mode', '@sel-baseline.yaml', 'virtio'],
    ['an unknown previous-run baseline', '@sel-previous.yaml', 'yesterday'],
    ['64 MiB of guest memory', '@sel-memory.yaml', 'got 64'],
    ['zero guest CPUs', '@sel-cpus.yaml', 'got 0'],
    ['shell in a kernel argument', '@sel-append.yaml', 'console=ttyS0; reboot'],
    ['no tests', '@sel-tests-empty.yaml', 'run.tests'],
    ['tests as a string', '@sel-tests-string.yaml', '"tcp"'],
    ['shell in resultsDir', '@sel-results-dir.yaml', 'reports/$(id)'],
    ['a model name with a space', '@sel-model-name.yaml', 'bad model'],
    ['devices as a map', '@sel-devices-map.yaml', 'devices'],
    ['a peer host name with capitals', '@sel-peer-host.yaml', 'Peer_1'],
  ] as const).map(([what, file, names]): Row => ({
    what: `selection: ${what}`, args: ['run', 'smoke', '--lab', '@lab.yaml', '--config', file, '--dry-run'], code: 2, names,
  })),
  { what: 'run without a lab config', args: ['run', 'smoke', '--dry-run'], code: 2, names: '--lab' },
  { what: 'a selection given as the only config', args: ['run', 'smoke', '--config', '@sel-only.yaml', '--dry-run'], code: 2, names: 'came without --lab' },
  { what: 'a selection that is a device', args: ['run', 'smoke', '--lab', '@lab.yaml', '--config', '/dev/zero', '--dry-run'], code: 2, names: '/dev/zero: it is not a regular file' },
  { what: 'a run --history below a file', args: ['run', 'smoke', '--lab', '@lab.yaml', '--history', '/etc/passwd/x.sqlite', '--dry-run'], code: 2, names: '/etc/passwd is a file, not a folder' },
  { what: 'a run.history that is a folder', args: ['run', 'smoke', '--lab', '@lab-history-folder.yaml', '--dry-run'], code: 2, names: 'folder.sqlite" cannot hold the history: it is a folder' },
  { what: 'an empty run --history', args: ['run', 'smoke', '--lab', '@lab.yaml', '--history', '', '--dry-run'], code: 2, names: '--history ""' },
  { what: 'an empty scenario name', args: ['run', '', '--lab', '@lab.yaml', '--dry-run'], code: 2, names: 'scenario ""' },
  { what: 'a bad run --history', args: ['run', 'smoke', '--lab', '@lab.yaml', '--history', 'mysql://db/x', '--dry-run'], code: 2, names: 'mysql://db/x' },

  // --- scenario files (the "real command" rows go through bin/passbench.js: loading differs under mocha)
  ...([
    ['a scenario name climbing out', '../../etc/passwd', '../../etc/passwd'],
    ['a scenario that does not exist', 'nosuch', 'nosuch'],
    ['a scenario file that is not .ts', '@scenario.js', '@scenario.js'],
    ['a scenario file that does not compile', '@scenario-syntax.ts', '@scenario-syntax.ts:1:16'],
    ['a scenario file that does not compile (the real command)', '@scenario-syntax.ts', '@scenario-syntax.ts:1:16', true],
    ['a scenario file importing what is not there', '@scenario-missing-import.ts', 'harness/scenario/index.ts'],
    ['a scenario file importing what is not there (the real command)', '@scenario-missing-import.ts', 'harness/scenario/index.ts', true],
    ['a scenario whose top level throws', '@scenario-throws.ts', 'Bad Name'],
    ['a scenario comparing against the removed e1000 baseline', '@scenario-against-e1000.ts', 'compare.against "e1000" is not supported; "e1000" was removed'],
    ['a scenario file without a default export', '@scenario-no-default.ts', '@scenario-no-default.ts'],
    ['a scenario file exporting a number', '@scenario-number.ts', '@scenario-number.ts'],
    ['a scenario file that is a folder', '@folder.ts', '@folder.ts: it is a folder, not a file'],
    ['a scenario that breaks when combined', '@scenario-type-error.ts', '@scenario-type-error.ts'],
  ] as const).map(([what, file, names, spawn]): Row => ({ what, args: ['run', file, '--lab', '@lab.yaml', '--dry-run'], code: 2, names, spawn })),

  // --- devices --sysfs
  { what: 'devices --sysfs of a folder that is not there', args: ['devices', '--sysfs', '@nonexistent'], code: 2, names: '@nonexistent' },
  { what: 'devices --sysfs of a file', args: ['devices', '--sysfs', '@lab.yaml'], code: 2, names: '@lab.yaml' },
  { what: 'devices --sysfs of a folder without a tree', args: ['devices', '--sysfs', '@home'], code: 2, names: '@home' },
  { what: 'devices --sysfs with --host', args: ['devices', '--sysfs', '@tree', '--host', 'lab1', '--lab', '@lab.yaml'], code: 2, names: '--sysfs' },
  { what: "devices --sysfs ''", args: ['devices', '--sysfs', ''], code: 2, names: '--sysfs ""' },
  { what: "devices --sysfs with --host ''", args: ['devices', '--sysfs', '@tree', '--host', ''], code: 2, names: '--host ""' },

  // --- bind, sriov, restore: refused before any host is opened
  // A traffic peer (role: peer) is never changed: refused before it is reached (10.0.0.2 is not).
  { what: 'bind on a traffic peer', args: ['bind', ABSENT_BDF, '--host', 'gen', '--lab', '@lab-peer.yaml'], code: 2, names: '--host gen is a traffic peer' },
  { what: 'sriov on a traffic peer', args: ['sriov', ABSENT_BDF, '--vfs', '2', '--host', 'gen', '--lab', '@lab-peer.yaml'], code: 2, names: '--host gen is a traffic peer' },
  { what: 'restore on a traffic peer', args: ['restore', '--host', 'gen', '--lab', '@lab-peer.yaml'], code: 2, names: '--host gen is a traffic peer' },
  { what: 'doctor --device for the whole lab', args: ['doctor', '--lab', '@lab-peer.yaml', '--device', ABSENT_BDF], code: 2, names: '--device checks one host' },
  { what: 'doctor --config with --host', args: ['doctor', '--lab', '@lab-peer.yaml', '--host', 'lab1', '--config', '@lab-peer.yaml'], code: 2, names: '--config is for the whole lab' },
  { what: 'run with a traffic peer as --host', args: ['run', 'smoke', '--lab', '@lab-peer.yaml', '--host', 'gen', '--dry-run'], code: 2, names: '--host gen: a traffic peer' },
  { what: 'bind: a short bus number', args: ['bind', '0000:3:00.0'], code: 2, names: '0000:3:00.0' },
  { what: 'bind: a path as a device', args: ['bind', '../../../etc'], code: 2, names: '../../../etc' },
  { what: 'bind: shell in a device', args: ['bind', '0000:00:04.0;reboot'], code: 2, names: '0000:00:04.0;reboot' },
  { what: 'bind: a bad --with', args: ['bind', ABSENT_BDF, '--with', 'all'], code: 2, names: 'all' },
  { what: 'bind: a relative journal', args: ['bind', ABSENT_BDF, '--journal', 'journal.json'], code: 2, names: 'journal.json' },
  { what: 'bind: a journal path climbing out', args: ['bind', ABSENT_BDF, '--journal', '/var/lib/../../tmp/j.json'], code: 2, names: '/var/lib/../../tmp/j.json' },
  { what: 'bind: a journal path that is a folder', args: ['bind', ABSENT_BDF, '--journal', '/var/lib/passbench/'], code: 2, names: '/var/lib/passbench/' },
  { what: 'bind: a lab config that does not parse', args: ['bind', ABSENT_BDF, '--host', 'lab1', '--lab', '@lab-bad-yaml.yaml'], code: 2, names: 'not valid YAML' },
  { what: 'sriov: a negative count', args: ['sriov', ABSENT_BDF, '--vfs', '-1'], code: 2, names: '-1' },
  { what: 'sriov: a count in words', args: ['sriov', ABSENT_BDF, '--vfs', 'two'], code: 2, names: 'two' },
  { what: 'sriov: a fractional count', args: ['sriov', ABSENT_BDF, '--vfs', '1.5'], code: 2, names: '1.5' },
  { what: 'sriov: a bad PF', args: ['sriov', '3:00.0', '--vfs', '2'], code: 2, names: '3:00.0' },
  { what: 'sriov: a relative journal', args: ['sriov', ABSENT_BDF, '--vfs', '0', '--journal', 'j.json'], code: 2, names: 'j.json' },
  { what: 'restore: a relative journal', args: ['restore', '--journal', 'journal.json'], code: 2, names: 'journal.json' },
  { what: 'restore: a journal path climbing out', args: ['restore', '--journal', '/var/../etc/shadow'], code: 2, names: '/var/../etc/shadow' },
  { what: 'restore: a lab config that is not there', args: ['restore', '--host', 'lab1', '--lab', '@nonexistent.yaml'], code: 2, names: '@nonexistent.yaml' },

  // --- lab
  { what: 'lab up: an unknown accelerator', args: ['lab', 'up', '--accel', 'hvf'], code: 2, names: 'hvf' },
  { what: 'lab up: a lab name climbing out', args: ['lab', 'up', '--name', '../x'], code: 2, names: '../x' },
  { what: 'lab status: a lab name with a space', args: ['lab', 'status', '--name', 'my lab'], code: 2, names: 'my lab' },
  { what: 'lab down: an empty lab name', args: ['lab', 'down', '--name', ''], code: 2, names: '""' },

  // --- history
  { what: 'a history below a file', args: ['history', '--history', '/etc/passwd/x.sqlite'], code: 4, names: '/etc/passwd/x.sqlite' },
  { what: 'a history that is not there', args: ['history', '--history', '@missing.sqlite'], code: 4, names: '@missing.sqlite' },
  { what: 'a history in a folder that is not there', args: ['history', '--history', '@no/such/h.sqlite'], code: 4, names: '@no/such/h.sqlite' },
  { what: 'a history that is not SQLite', args: ['history', '--history', '@not-a-db.sqlite'], code: 4, names: '@not-a-db.sqlite' },
  { what: 'an empty SQLite file as history', args: ['history', '--history', '@empty.sqlite'], code: 4, names: '@empty.sqlite' },
  { what: 'a history that is a folder', args: ['history', '--history', '@folder.sqlite'], code: 4, names: '@folder.sqlite' },
  { what: 'a MySQL URL as history', args: ['history', '--history', 'mysql://db/x'], code: 2, names: 'mysql://db/x' },
  { what: 'a history without .sqlite', args: ['history', '--history', '@h.db'], code: 2, names: '@h.db' },
  { what: 'shell in a history path', args: ['history', '--history', '$(id).sqlite'], code: 2, names: '$(id).sqlite' },
  { what: 'a PostgreSQL nobody listens on', args: ['history', '--history', 'postgres://nobody@127.0.0.1:1/passbench'], code: 4, names: 'postgres://nobody@127.0.0.1:1/passbench' },
  { what: 'a bad PASSBENCH_HISTORY', args: ['history'], env: { PASSBENCH_HISTORY: 'mysql://db/x' }, code: 2, names: 'PASSBENCH_HISTORY "mysql://db/x"' },
  { what: 'a PASSBENCH_HISTORY that is not there', args: ['history'], env: { PASSBENCH_HISTORY: '@missing.sqlite' }, code: 4, names: '@missing.sqlite' },
  { what: 'a limit past any number SQL takes', args: ['history', '--history', '@h.sqlite', '--limit', '99999999999999999999'], code: 2, names: '99999999999999999999' },
  { what: 'a zero limit', args: ['history', '--history', '@h.sqlite', '--limit', '0'], code: 2, names: '"0"' },
  { what: 'a negative limit', args: ['history', '--history', '@h.sqlite', '--limit', '-1'], code: 2, names: '"-1"' },
  { what: 'a limit in exponent form', args: ['history', '--history', '@h.sqlite', '--limit', '1e3'], code: 2, names: '1e3' },
  { what: 'an unknown mode', args: ['history', '--history', '@h.sqlite', '--mode', 'sriov'], code: 2, names: 'sriov' },
  { what: 'an unknown status', args: ['history', '--history', '@h.sqlite', '--status', 'ok'], code: 2, names: '"ok"' },
  { what: 'a date it cannot read', args: ['history', '--history', '@h.sqlite', '--since', 'yesterday'], code: 2, names: 'yesterday' },
  { what: 'a bare number as a date', args: ['history', '--history', '@h.sqlite', '--since', '12'], code: 2, names: 'since "12"' },
  { what: 'a history without its runs table', args: ['history', '--history', '@partial.sqlite'], code: 4, names: 'partial.sqlite: no such table: runs' },
  { what: 'compare in a history without its runs table', args: ['compare', 'r1', 'r2', '--history', '@partial.sqlite'], code: 4, names: 'no such table' },
  { what: 'a history of a newer passbench', args: ['history', '--history', '@v99.sqlite'], code: 4, names: 'version 99' },
  { what: 'an empty kernel filter', args: ['history', '--history', '@h.sqlite', '--kernel', ''], code: 2, names: '--kernel ""' },
  { what: 'a bad filter checked before the history is opened', args: ['history', '--history', '@missing.sqlite', '--mode', 'sriov'], code: 2, names: 'sriov' },
  { what: 'import of a folder that is not there', args: ['history', 'import', '@nodir', '--history', '@h.sqlite'], code: 4, names: '@nodir/run.json' },
  { what: 'import of a run.json that is not JSON', args: ['history', 'import', '@corrupt', '--history', '@h.sqlite'], code: 4, names: '@corrupt/run.json' },
  { what: 'import of a run of an unknown schema', args: ['history', 'import', '@schema99', '--history', '@h.sqlite'], code: 4, names: '@schema99/run.json' },
  { what: 'import of a sample that does not match the schema', args: ['history', 'import', '@bad-sample', '--history', '@h.sqlite'], code: 4, names: '@bad-sample/samples.jsonl:' },
  { what: 'import of samples of another run', args: ['history', 'import', '@stray', '--history', '@h.sqlite'], code: 4, names: '@stray/samples.jsonl' },
  { what: 'import into a history below a file', args: ['history', 'import', '@r1', '--history', '/etc/passwd/x.sqlite'], code: 4, names: '/etc/passwd/x.sqlite cannot be written: /etc/passwd is a file, not a folder' },

  // --- compare
  { what: 'a candidate not in the history', args: ['compare', 'r1', 'r9', '--history', '@h.sqlite'], code: 4, names: 'r9' },
  { what: 'a baseline not in the history', args: ['compare', 'r9', 'r1', '--history', '@h.sqlite'], code: 4, names: 'r9' },
  { what: 'one side only', args: ['compare', 'r1', '--history', '@h.sqlite'], code: 2, names: 'got "r1"' },
  { what: 'no side at all', args: ['compare', '--history', '@h.sqlite'], code: 2, names: 'got neither' },
  { what: 'two sides and --baseline', args: ['compare', 'r1', 'r2', '--baseline', 'last-good', '--history', '@h.sqlite'], code: 2, names: '--baseline "last-good", "r1", "r2"' },
  { what: 'both options and a side', args: ['compare', 'r1', '--baseline', 'r1', '--candidate', 'r2', '--history', '@h.sqlite'], code: 2, names: '--candidate "r2", "r1"' },
  { what: 'a run.json that is not JSON', args: ['compare', '@corrupt', 'r2', '--history', '@h.sqlite'], code: 4, names: '@corrupt/run.json' },
  { what: 'a folder without run.json', args: ['compare', '@home', 'r2', '--history', '@h.sqlite'], code: 4, names: '@home/run.json: cannot be read: there is no such file or folder' },
  { what: 'a sample that does not match the schema', args: ['compare', '@bad-sample', 'r2', '--history', '@h.sqlite'], code: 4, names: '@bad-sample/samples.jsonl:' },
  { what: 'a run without samples', args: ['compare', '@no-samples', 'r2', '--history', '@h.sqlite'], code: 4, names: 'nothing to compare' },
  { what: 'a threshold that is not KEY=PCT', args: ['compare', 'r1', 'r2', '--history', '@h.sqlite', '--threshold', 'fast'], code: 2, names: 'fast' },
  { what: 'a threshold that is not a number', args: ['compare', 'r1', 'r2', '--history', '@h.sqlite', '--threshold', 'tcp.*=abc'], code: 2, names: 'abc' },
  { what: 'a metric given two thresholds', args: ['compare', 'r1', 'r2', '--history', '@h.sqlite', '--threshold', 'tcp.*=5', '--threshold', 'tcp.*=10'], code: 2, names: '"tcp.*" was already given as "tcp.*=5"' },
  { what: 'two default thresholds', args: ['compare', 'r1', 'r2', '--history', '@h.sqlite', '--threshold', '3', '--threshold', '7'], code: 2, names: 'the default was already given as "3"' },
  { what: 'a threshold of 150 %', args: ['compare', 'r1', 'r2', '--history', '@h.sqlite', '--threshold', 'tcp.*=150'], code: 2, names: '150' },
  { what: 'a selector without a value', args: ['compare', 'kernel=', 'r2', '--history', '@h.sqlite'], code: 2, names: 'kernel=' },
  { what: 'a selector with an unknown key', args: ['compare', 'cpu=x86', 'r2', '--history', '@h.sqlite'], code: 2, names: 'cpu=x86' },
  { what: 'a selector with an unknown mode', args: ['compare', 'mode=sriov', 'r2', '--history', '@h.sqlite'], code: 2, names: 'sriov' },
  { what: 'a selector with a date it cannot read', args: ['compare', 'since=yesterday', 'r2', '--history', '@h.sqlite'], code: 2, names: 'yesterday' },
  { what: 'a selector with a bare number as a date', args: ['compare', 'before=0', 'r2', '--history', '@h.sqlite'], code: 2, names: 'before "0"' },
  { what: 'a run directory that is a file', args: ['compare', '@lab.yaml', 'r2', '--history', '@h.sqlite'], code: 4, names: '@lab.yaml/run.json' },
  { what: 'a selector no run matches', args: ['compare', 'host=lab9', 'r1', '--history', '@h.sqlite'], code: 4, names: 'host=lab9' },
  { what: 'last-good as the candidate', args: ['compare', 'r1', 'last-good', '--history', '@h.sqlite'], code: 2, names: 'last-good' },
  { what: 'last-good before a run not in the history', args: ['compare', 'last-good', 'r9', '--history', '@h.sqlite'], code: 4, names: 'r9' },
  { what: 'last-good with no earlier good run', args: ['compare', 'last-good', 'r1', '--history', '@h.sqlite'], code: 4, names: 'r1' },
  { what: 'shell in a run id', args: ['compare', 'r1;reboot', 'r2', '--history', '@h.sqlite'], code: 2, names: 'r1;reboot' },
  { what: 'compare with a history that is not there', args: ['compare', 'r1', 'r2', '--history', '@missing.sqlite'], code: 4, names: '@missing.sqlite' },
  { what: 'compare with a history below a file', args: ['compare', 'r1', 'r2', '--history', '/etc/passwd/x.sqlite'], code: 4, names: '/etc/passwd/x.sqlite' },
  { what: 'a bad side checked before the history is opened', args: ['compare', 'r1', 'mode=sriov', '--history', '@missing.sqlite'], code: 2, names: 'sriov' },

  // --- report
  { what: 'report of an empty run', args: ['report', '', '--history', '@h.sqlite'], code: 2, names: 'report needs a run, got ""' },
  { what: 'report of a run id nowhere', args: ['report', 'r9', '--history', '@h.sqlite'], code: 4, names: 'r9' },
  { what: 'report of a run.json that is not JSON', args: ['report', '@corrupt', '--history', '@h.sqlite'], code: 4, names: '@corrupt/run.json' },
  { what: 'report of a folder without run.json', args: ['report', '@home', '--history', '@h.sqlite'], code: 4, names: '@home/run.json' },
  { what: 'report of a run of an unknown schema', args: ['report', '@schema99', '--history', '@h.sqlite'], code: 4, names: '@schema99/run.json' },
  { what: 'report with a bad threshold', args: ['report', '@r1', '--history', '@h.sqlite', '--threshold', 'x=y'], code: 2, names: 'x=y' },
  { what: 'report with a history that is not there', args: ['report', '@r1', '--history', '@missing.sqlite'], code: 4, names: '@missing.sqlite' },
];

describe('cli: bad inputs (exit code, no stack trace, the bad value named, nothing created)', function () {
  this.timeout(60_000);
  let root = '';
  let tree: SysfsTree;
  let blankHostRefused = false;
  const cwd = process.cwd();
  // `run` arms process.exit 2 s after its action completes; a row wrongly accepted must not end mocha.
  const exit = process.exit;
  let runCompletedAt = 0;
  /** A leading @: `@tree` is the sysfs tree, `@name` a fixture (up to a ":" that names a line). */
  const at = (text: string) => (text === '@tree' ? tree.root : text.replace(/^@([^:]+)/, (_m, name: string) => path.join(root, name)));

  before(async () => {
    root = await tempDir('passbench-bad-inputs-');
    tree = await buildSysfsTree({ devices: [{ bdf: '0000:00:03.0', vendor: '8086', device: '100e', driver: 'e1000', iommuGroup: 3 }] });
    for (const [name, text] of Object.entries(FILES)) {
      await fs.mkdir(path.dirname(path.join(root, name)), { recursive: true });
      await fs.writeFile(path.join(root, name), text);
    }
    for (const folder of ['home', 'folder.ts', 'folder.sqlite']) await fs.mkdir(path.join(root, folder));
    await writeFakeRun(path.join(root, 'r1'), { runId: 'r1', repetitions: 3 });
    await writeFakeRun(path.join(root, 'r2'), { runId: 'r2', repetitions: 3, startedAt: new Date('2026-11-21T02:00:00Z') });
    const history = await openHistory(path.join(root, 'h.sqlite'));
    for (const run of ['r1', 'r2']) await history.importRun(path.join(root, run));
    await history.close();
    await fs.copyFile(path.join(root, 'h.sqlite'), path.join(root, 'v99.sqlite'));
    const newer = openSqliteDb(path.join(root, 'v99.sqlite'));
    await newer.run('UPDATE passbench_history SET version = 99');
    await newer.close();
    const partial = openSqliteDb(path.join(root, 'partial.sqlite'));
    await partial.run('CREATE TABLE passbench_history (version INTEGER NOT NULL)');
    await partial.run('INSERT INTO passbench_history (version) VALUES (1)');
    await partial.close();
    await damagedCopies(root);
    // A blank --host used to mean this machine: bind/sriov/restore rows with one run only once refused.
    const probe = await runCli('doctor', '--host', '');
    blankHostRefused = probe.code === ExitCode.usage && probe.stderr.includes('--host ""');
    process.chdir(root);
    process.exit = (() => undefined) as typeof process.exit;
  });

  after(async () => {
    process.chdir(cwd);
    const armed = runCompletedAt + 2_100 - Date.now();
    if (armed > 0) await new Promise((resolve) => setTimeout(resolve, armed));
    process.exit = exit;
    await tree.cleanup();
  });

  it(`has at least 100 rows (${ROWS.length})`, () => assert.ok(ROWS.length >= 100));

  for (const row of ROWS) {
    it(`${row.what}: exit ${row.code}`, async function () {
      if (row.blankHostGate && !blankHostRefused) {
        assert.fail('not run: `doctor --host \'\'` is not refused yet, so this command would act on this machine');
      }
      const before = await listFiles(root);
      const args = row.args.map(at);
      const env = Object.fromEntries(Object.entries(row.env ?? {}).map(([k, v]) => [k, at(v)]));
      const { code, stdout, stderr } = row.spawn ? await spawnCli(args, env) : await withEnv(env, () => runCli(...args));
      if (args[0] === 'run' && code === ExitCode.ok) runCompletedAt = Date.now();
      const shown = `exit ${code}\nstderr: ${stderr}\nstdout: ${stdout.slice(0, 400)}`;
      assert.equal(code, row.code, shown);
      assert.doesNotMatch(`${stderr}\n${stdout}`, /^ {4}at |internal error/m, shown);
      assert.ok(stderr.includes(at(row.names)), `the message does not name ${JSON.stringify(at(row.names))}\n${shown}`);
      assert.match(stderr, /expected|allowed|what to do|use one of|give |\(add --help for usage\)/i, `the message says neither what is expected nor what to do\n${shown}`);
      assert.deepEqual(await listFiles(root), before, 'a file was made or removed');
    });
  }

  it('a valid scenario file outside the checkout runs (the real command, a dry run)', async () => {
    const file = path.join(root, 'my-check.ts');
    await fs.writeFile(file, scenario("export default defineScenario({ name: 'my-check', description: 'mine', modes: ['e1000'], steps: [prove()] });"));
    const result = await spawnCli(['run', file, '--lab', path.join(root, 'lab.yaml'), '--dry-run'], {});
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /scenario my-check: mine\n.*\n {2}case lab1\/e1000/);
  });

  it('without --history, read commands read the default history not yet written as empty, and make none', async () => {
    const here = await tempDir('passbench-no-history-');
    process.chdir(here);
    try {
      await withEnv({}, async () => {
        delete process.env.PASSBENCH_HISTORY;
        const listed = await runCli('history');
        assert.equal(listed.code, 0, listed.stderr);
        assert.match(listed.stdout, /no runs match/);
        const compared = await runCli('compare', path.join(root, 'r1'), path.join(root, 'r2'));
        assert.ok([0, 1].includes(compared.code), compared.stderr);
        const missing = await runCli('compare', 'r1', 'r2');
        assert.equal(missing.code, ExitCode.unreadable);
        assert.match(missing.stderr, /run r2 is not in the history reports\/history\.sqlite \(not written yet\)/);
      });
      assert.deepEqual(await fs.readdir(here), []);
    } finally {
      process.chdir(root);
    }
  });

  it('a read command leaves a history it was pointed at exactly as it was', async () => {
    const file = path.join(root, 'h.sqlite');
    const stat = async () => Promise.all(['', '-wal', '-shm'].map((s) => fs.stat(`${file}${s}`).then((x) => `${x.size}:${x.mtimeMs}`, () => 'absent')));
    const before = await stat();
    for (const args of [['history'], ['compare', 'r1', 'r2'], ['report', 'r1', '--runs-dir', root]]) {
      const result = await runCli(...args, '--history', file);
      assert.ok([0, 1].includes(result.code), result.stderr);
    }
    assert.deepEqual(await stat(), before);
  });
});

/** Run directories spoilt in the ways a crash, a hand edit or a newer passbench spoil them. */
async function damagedCopies(root: string): Promise<void> {
  const copy = async (name: string) => {
    await fs.cp(path.join(root, 'r1'), path.join(root, name), { recursive: true });
    return path.join(root, name);
  };
  await fs.writeFile(path.join(await copy('corrupt'), 'run.json'), '{"schema": 1, "runId": ');
  const schema99 = await copy('schema99');
  await fs.writeFile(path.join(schema99, 'run.json'), (await fs.readFile(path.join(schema99, 'run.json'), 'utf8')).replace(/"schema": ?1/, '"schema":99'));
  await fs.appendFile(path.join(await copy('bad-sample'), 'samples.jsonl'), '{"schema":1,"runId":"r1"}\n');
  await fs.rm(path.join(await copy('no-samples'), 'samples.jsonl'));
  const stray = await copy('stray');
  await fs.writeFile(path.join(stray, 'samples.jsonl'), (await fs.readFile(path.join(stray, 'samples.jsonl'), 'utf8')).replace(/"runId":"r1"/g, '"runId":"r7"'));
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

async function withEnv<T>(env: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await work();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

async function spawnCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = await execa('node', [BIN, ...args], { reject: false, env: { ...env, PASSBENCH_DEBUG: '' }, timeout: 30_000 });
  return { code: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
