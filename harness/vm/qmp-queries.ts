import { QmpClosedError, QmpProtocolError } from './qmp-errors.ts';
import type { QmpClient } from './qmp.ts';

/** One PCI function as the guest sees it (from `query-pci`, bridges flattened). */
export interface GuestPciDevice {
  /** `BB:DD.F` on the guest's bus (domain 0). */
  address: string;
  bus: number;
  slot: number;
  function: number;
  /** Four lower-case hex digits, as lspci prints them: `8086`. */
  vendorId: string;
  deviceId: string;
  classCode: number;
  classDesc?: string;
  /** The `id=` given on the command line (`hostdev0`), or '' when none. */
  qdevId: string;
}

interface RawPciDevice {
  bus: number;
  slot: number;
  function: number;
  class_info: { class: number; desc?: string };
  id: { vendor: number; device: number };
  qdev_id?: string;
  pci_bridge?: { devices?: RawPciDevice[] };
}

const hex4 = (n: number) => n.toString(16).padStart(4, '0');
const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** Pure: `query-pci`'s nested answer as a flat list. */
export function flattenQueryPci(answer: unknown): GuestPciDevice[] {
  if (!Array.isArray(answer)) throw new QmpProtocolError(`query-pci returned ${JSON.stringify(answer)?.slice(0, 200)}, not a list of buses`);
  const out: GuestPciDevice[] = [];
  const walk = (devices: readonly RawPciDevice[]) => {
    for (const d of devices) {
      if (typeof d?.id?.vendor !== 'number' || typeof d?.id?.device !== 'number') {
        throw new QmpProtocolError(`query-pci device without numeric id.vendor/id.device: ${JSON.stringify(d).slice(0, 200)}`);
      }
      out.push({
        address: `${hex2(d.bus)}:${hex2(d.slot)}.${d.function}`,
        bus: d.bus,
        slot: d.slot,
        function: d.function,
        vendorId: hex4(d.id.vendor),
        deviceId: hex4(d.id.device),
        classCode: d.class_info?.class,
        ...(d.class_info?.desc === undefined ? {} : { classDesc: d.class_info.desc }),
        qdevId: d.qdev_id ?? '',
      });
      walk(d.pci_bridge?.devices ?? []);
    }
  };
  for (const bus of answer as { devices?: RawPciDevice[] }[]) walk(bus.devices ?? []);
  return out;
}

export async function queryPci(qmp: QmpClient): Promise<GuestPciDevice[]> {
  return flattenQueryPci(await qmp.execute('query-pci'));
}

export interface GuestStatus {
  running: boolean;
  /** `running`, `paused`, `prelaunch`, `shutdown`… */
  status: string;
}

export async function queryStatus(qmp: QmpClient): Promise<GuestStatus> {
  const answer = await qmp.execute<{ running?: unknown; status?: unknown }>('query-status');
  if (typeof answer?.running !== 'boolean' || typeof answer.status !== 'string') {
    throw new QmpProtocolError(`query-status returned ${JSON.stringify(answer)}, without running/status`);
  }
  return { running: answer.running, status: answer.status };
}

/**
 * Clean shutdown: ACPI power button, wait for SHUTDOWN until the deadline, then `quit`. If the
 * guest ignores the button (no ACPI, still booting), the TimeoutError says so and QEMU is still
 * running: the caller decides whether to `quit` anyway or kill it.
 */
export async function powerdownAndQuit(qmp: QmpClient, deadlineMs: number): Promise<void> {
  const since = qmp.events.length;
  await qmp.execute('system_powerdown');
  await qmp.waitForEvent('SHUTDOWN', deadlineMs, since);
  await quit(qmp, deadlineMs);
}

/** `quit`, then wait (bounded) for QEMU to close the socket. */
export async function quit(qmp: QmpClient, deadlineMs = 10_000): Promise<void> {
  try {
    await qmp.execute('quit', undefined, deadlineMs);
  } catch (error) {
    // QEMU may close the socket before its answer arrives: that is the quit we asked for.
    if (!(error instanceof QmpClosedError)) throw error;
  }
  await qmp.waitClosed(deadlineMs);
}
