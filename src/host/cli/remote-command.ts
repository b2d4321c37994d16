// `hvmio remote`: serve one PCI function to QEMU's x-pci-proxy-dev over the multi-process
// protocol. QEMU (or the guest kit's run-guest-remote.sh) starts us with one end of a
// socketpair; we exit cleanly when the proxy closes it.

import { fstatSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GuestRam } from '../../shared-mem/guest-ram.js';
import { DEFAULT_POLICY } from '../../shared-mem/request-ring.js';
import { IRQ_PCI_INTA } from '../../workers/common/core-abi.js';
import { HostBridge } from '../bridge.js';
import { startDevice } from '../device-factory.js';
import { bdfOf } from '../pci/pci-bus.js';
import { MpqemuServer } from '../transports/mpqemu/mpqemu-server.js';
import { parseDeviceOptions } from './device-options.js';
import { OptionError } from './keyval.js';
import { parseNetdevOptions } from './netdev-options.js';
import { startMonitor } from './monitor.js';
import type { Server } from 'node:net';

const HELP = `usage: hvmio remote --device SPEC [--fd N]

Serves one PCI device to QEMU's multi-process proxy (-device x-pci-proxy-dev,fd=...).
The socket is the inherited file descriptor N (--fd, or the MPQEMU_FD environment variable,
which the guest kit's run-guest-remote.sh sets).

options:
  --device SPEC   one controller with its drives:
                  piix3-ide,id=ID,drive=FILE[,cache=none|writeback][,media=disk|cdrom]
                  (plus ide-hd/ide-cd,bus=ID.N,... for more drives). It runs in PCI native
                  mode: the proxy forwards only BARs, not legacy ports.
                  lsi53c895a,id=ID[,drive=FILE][,cache=none|writeback][,readonly=on]
                  (the drive is SCSI ID 0; more disks: scsi-hd,bus=ID.0,scsi-id=N,drive=FILE);
                  lsi53c875,... the same as an LSI 53C875 (1000:000F), which SeaBIOS boots
                  through our option ROM (docs/option-rom.md);
                  e1000,id=ID,netdev=NAME[,mac=52:54:00:XX:XX:XX][,link=on|off]
  --netdev SPEC   a NIC's backend (QEMU's key names): user,id=NAME (starts passt) |
                  stream,id=NAME,path=SOCKET or host=H,port=P[,server=on] |
                  dgram,id=NAME,local=H:P,remote=H:P | tap,id=NAME,ifname=IF | hub,id=NAME,hubid=N
  --monitor PATH  a UNIX socket taking QEMU-style monitor lines: set_link ID on|off, info network
  --fd N          protocol socket (default: $MPQEMU_FD)
  --stats         print device statistics on stderr when the proxy disconnects
  -h, --help      this text

environment:
  HVMIO_REGISTER_SHADOW=on|off|verify   reads of side-effect-free registers (the guest's
                  interrupt polls) answered from the register shadow without waking the
                  device worker (on, the default), always through the worker (off), or both
                  ways with differences counted in the statistics (verify)
`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      device: { type: 'string', multiple: true },
      netdev: { type: 'string', multiple: true },
      monitor: { type: 'string' },
      fd: { type: 'string' },
      stats: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const fdText = values.fd ?? process.env.MPQEMU_FD;
  if (fdText === undefined) throw new OptionError('no protocol socket: give --fd N or set MPQEMU_FD');
  const fd = Number(fdText);
  if (!Number.isInteger(fd) || fd < 0) throw new OptionError(`--fd: "${fdText}" is not a file descriptor number`);
  let isSocket = false;
  try {
    isSocket = fstatSync(fd).isSocket();
  } catch {
    throw new OptionError(`--fd ${fd}: not an open file descriptor`);
  }
  if (!isSocket) throw new OptionError(`--fd ${fd}: not a socket`);
  const devices = parseDeviceOptions(values.device ?? [], { ideMode: 'native' }, parseNetdevOptions(values.netdev ?? []));
  if (devices.length !== 1) throw new OptionError(`exactly one --device per proxy socket (got ${devices.length})`);
  const spec = devices[0]!;
  if (spec.kind === 'piix3-ide' && spec.mode !== 'native') throw new OptionError(`--device ${spec.id}: mode=legacy cannot work through QEMU's proxy (it forwards BARs only)`);
  // The proxy never maps an expansion ROM (shared/spec/mpqemu.md 5.2-5.3): a ROM BAR here
  // would only make the firmware place and probe a window nobody answers. The option ROM
  // reaches SeaBIOS as -option-rom instead (docs/option-rom.md).
  if (spec.kind === 'lsi53c895a') spec.romBar = false;

  const log = (line: string) => console.error(`hvmio remote: ${line}`);
  const ram = new GuestRam([]);
  const bridge = new HostBridge();
  let server: MpqemuServer | null = null;
  const { host, fn } = await startDevice(spec, {
    bridge,
    bdf: bdfOf(0, 0, 0),
    ram,
    policy: DEFAULT_POLICY,
    onIrq: (line, level) => {
      if (line === IRQ_PCI_INTA) server?.setIntx(level);
    },
    log,
  });
  server = new MpqemuServer({ fd, bridge, fn, host, ram, log });
  let monitor: Server | null = null;
  try {
    if (values.monitor !== undefined) monitor = await startMonitor(values.monitor, [{ id: spec.id, host, isNic: spec.kind === 'e1000' }]);
  } catch (err) {
    await host.stop();
    throw err;
  }
  const end = await server.run();
  monitor?.close();
  const stats = await host.stats();
  await host.stop();
  if (values.stats) {
    console.error(`hvmio remote: ${spec.id} ${JSON.stringify({ ...stats, ...server.stats, irqSignals: server.irq.signals })}`);
  }
  if (end.reason === 'eof') return 0;
  log(`connection dropped: ${end.message}`);
  return 1;
}
