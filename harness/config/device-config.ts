/**
 * The devices a run tests on a host, as the config gives them (`devices:` of a host or of run:)
 * and as the plan gets them (resolved: the model's expectations, one address per guest). Part of
 * harness/config/scenario-config.ts's schema.
 */
import { z } from 'zod';

const BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;
const VENDOR_DEVICE = /^[0-9a-f]{4}:[0-9a-f]{4}$/;
const DRIVER = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([0-9]|[12]\d|3[0-2])$/;
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
// A Linux interface name (IFNAMSIZ 16 with its NUL), as ip(8) takes it: nothing a shell or QEMU would split.
const IFACE = /^[A-Za-z][A-Za-z0-9_.-]{0,14}$/;

export const DEVICE_MODES = ['nic', 'vf', 'e1000', 'virtio'] as const;
export type DeviceMode = (typeof DEVICE_MODES)[number];

const Bdf = z.string().regex(BDF, 'expected a PCI address DDDD:BB:DD.F in lower-case hex, e.g. 0000:03:00.0');
const Cidr = z.string().regex(CIDR, 'expected an IPv4 address with prefix length, e.g. 10.0.3.21/24');
const ModelName = z.string().regex(MODEL_NAME, 'expected a model name (letters, digits, _ -)');

export const ExpectSchema = z.strictObject({
  vendorDevice: z.string().regex(VENDOR_DEVICE, 'expected vendor:device as 4+4 lower-case hex digits, e.g. 8086:10fb'),
  driver: z.string().regex(DRIVER, 'expected a Linux driver name, e.g. ixgbe'),
});
export type Expect = z.output<typeof ExpectSchema>;

/** What each mode shows inside the guest (and, for nic and a VF's PF, on the host). */
export interface DeviceModel { nic?: Expect; vf?: Expect }

export const DEFAULT_MODELS: Readonly<Record<string, DeviceModel>> = Object.freeze({
  82598: { nic: { vendorDevice: '8086:10b6', driver: 'ixgbe' } },
  82599: { nic: { vendorDevice: '8086:10fb', driver: 'ixgbe' }, vf: { vendorDevice: '8086:10ed', driver: 'ixgbevf' } },
  // The virtual lab's NIC (QEMU's igb is an 82576).
  igb: { nic: { vendorDevice: '8086:10c9', driver: 'igb' }, vf: { vendorDevice: '8086:10ca', driver: 'igbvf' } },
  e1000: { nic: { vendorDevice: '8086:100e', driver: 'e1000' } },
});

/** The emulated baselines: QEMU's e1000, and virtio-net (with vhost-net where the guests run under KVM). */
export const EMULATED_MODES = ['e1000', 'virtio'] as const;
export type EmulatedMode = (typeof EMULATED_MODES)[number];
export const isEmulated = (mode: DeviceMode): mode is EmulatedMode => (EMULATED_MODES as readonly string[]).includes(mode);

/** What an emulated NIC shows in the guest: virtio-net's interface sits on the virtio bus (device 1, net), not on PCI. */
const EMULATED_EXPECT: Record<EmulatedMode, Expect> = {
  e1000: { vendorDevice: '8086:100e', driver: 'e1000' },
  virtio: { vendorDevice: '1af4:0001', driver: 'virtio_net' },
};

/** An emulated baseline and where it sits: on the test wire (bridge + address), or on user-net, said so. */
function emulatedSchema<M extends EmulatedMode>(mode: M) {
  return z.strictObject({
    mode: z.literal(mode),
    expect: ExpectSchema.default(EMULATED_EXPECT[mode]),
    /**
     * On the test wire: a tap in this bridge of the host, whose port is cabled to the test network
     * (the bridge is the lab's; passbench adds only the guest's tap, which goes with its QEMU).
     */
    bridge: z.string().regex(IFACE, 'expected an interface name (letters, digits, _ . -; at most 15)').optional(),
    /** The guest's address on the test network (with bridge). */
    address: Cidr.optional(),
    /** user: QEMU user-net instead: NAT through the host, not the test wire (what the figures then measure). */
    network: z.literal('user').optional(),
  }).superRefine((d, ctx) => {
    if (d.network === 'user' ? d.bridge === undefined && d.address === undefined : d.bridge !== undefined && d.address !== undefined) return;
    ctx.addIssue({ code: 'custom', message: d.network === 'user'
      ? 'network: user takes no bridge or address (user-net gives the guest its own)'
      : `say where the baseline sits: bridge (a bridge of the host on the test network) and address (the guest's there), e.g. { mode: ${mode}, bridge: br-test, address: 10.0.3.41/24 }; or network: user for QEMU user-net, which does not cross the test wire` });
  });
}

export const DeviceSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('nic'),
    bdf: Bdf,
    model: ModelName.optional(),
    expect: ExpectSchema.optional(),
    /** The guest's address on the test network. */
    address: Cidr.default('10.0.3.21/24'),
    /** Take it even though the host uses one of its interfaces (route, address): bind's --force. Said in the results. */
    force: z.boolean('expected true or false').default(false),
    /** Members of its IOMMU group, in other slots, that may be taken with it: bind's --with. */
    with: z.array(Bdf).default([]),
    /**
     * Back to back: the NIC's other port (or a second NIC of the model), cabled to this one, whole in
     * a guest of its own; this guest measures against it, no peer. Its group is taken as this one's.
     */
    pair: z.strictObject({ bdf: Bdf, address: Cidr.default('10.0.3.22/24') }).optional(),
  }).refine((d) => d.pair?.bdf !== d.bdf, { message: 'pair.bdf is the NIC itself: give the port cabled back to back to it', path: ['pair', 'bdf'] }),
  z.strictObject({
    mode: z.literal('vf'),
    pf: Bdf,
    count: z.int('expected a whole number of VFs, 1-256').min(1, 'expected 1-256 VFs').max(256, 'expected 1-256 VFs'),
    model: ModelName.optional(),
    expect: ExpectSchema.optional(),
    /** VF guest i gets this address + i. */
    firstAddress: Cidr.default('10.0.3.31/24'),
    /** The VF guests measure each other in pairs (vf0 against vf1 …): VF to VF through the NIC's own switch, no peer. */
    pairs: z.boolean('expected true or false').default(false),
  }).refine((d) => !d.pairs || d.count % 2 === 0, { message: 'pairs: true needs an even count of VFs (each guest measures against the next)', path: ['count'] }),
  emulatedSchema('e1000'),
  emulatedSchema('virtio'),
], { error: (issue) => (issue.code === 'invalid_union' ? `expected mode: ${DEVICE_MODES.join(', ')}` : undefined) });
export type DeviceEntry = z.output<typeof DeviceSchema>;

/** Each nic/vf device needs a model or an explicit expect; the model must know that mode. */
export function checkModels(file: { hosts: Record<string, { devices?: DeviceEntry[] }>; run: { models: Record<string, DeviceModel>; devices?: DeviceEntry[] } }, ctx: z.RefinementCtx): void {
  const models = { ...DEFAULT_MODELS, ...file.run.models };
  const check = (devices: DeviceEntry[] | undefined, at: (string | number)[]) => devices?.forEach((d, i) => {
    if (d.mode === 'e1000' || d.mode === 'virtio' || d.expect) return;
    if (d.model === undefined) {
      ctx.addIssue({ code: 'custom', path: [...at, i, 'model'], message: `missing: give model (${Object.keys(models).join(', ')}) or expect: {vendorDevice, driver}` });
    } else if (!models[d.model]?.[d.mode]) {
      const fit = Object.keys(models).filter((m) => models[m]?.[d.mode]);
      ctx.addIssue({ code: 'custom', path: [...at, i, 'model'],
        message: `model ${JSON.stringify(d.model)} has no ${d.mode === 'vf' ? 'VF' : 'whole-NIC'} entry; allowed: ${fit.join(', ')} (or add it under run.models)` });
    }
  });
  for (const [name, host] of Object.entries(file.hosts)) check(host.devices, ['hosts', name, 'devices']);
  check(file.run.devices, ['run', 'devices']);
}

export interface ResolvedDevice {
  mode: DeviceMode;
  /** Unique within the host: nic-0000:03:00.0, vf-0000:03:00.1, e1000. */
  id: string;
  bdf?: string;
  pf?: string;
  count?: number;
  /** In the guest. */
  expect: Expect;
  /** On the host: the NIC's (or the VF's PF's) vendor:device, when the model says it. */
  hostId?: string;
  /** One address per guest (none for an e1000 on user-net). */
  addresses: string[];
  /** An emulated baseline on the test wire: the host's bridge its guest's tap joins. */
  bridge?: string;
  /** Where it came from, for messages: hosts.lab1.devices[0]. */
  source: string;
  /** Its guests measure each other in pairs, not against the peer (VF to VF; a NIC and its partner back to back). */
  pairs?: boolean;
  /** nic only: the port cabled back to back to it, whole in the second guest. */
  partner?: string;
  /** nic only: taken even when the host uses its interface. */
  force?: boolean;
  /** nic only: unnamed members of its IOMMU group the config agrees to take (bind's --with). */
  with?: string[];
}

/** The host's PCI devices a case is about: the NIC (and the port back to back to it), or the VFs' PF; none for a baseline. */
export function caseDevices(d: ResolvedDevice): string[] {
  if (d.mode === 'nic') return [d.bdf!, ...(d.partner ? [d.partner] : [])];
  return d.mode === 'vf' ? [d.pf!] : [];
}

export function resolveDevices(devices: readonly DeviceEntry[], models: Record<string, DeviceModel>, where: string): ResolvedDevice[] {
  return devices.map((d, i) => {
    const source = `${where}[${i}]`;
    if (d.mode === 'e1000' || d.mode === 'virtio') return { mode: d.mode, id: d.mode, expect: d.expect, addresses: d.address ? [d.address] : [], source, ...(d.bridge ? { bridge: d.bridge } : {}) };
    const model = d.model === undefined ? undefined : models[d.model];
    if (d.mode === 'nic') {
      const expect = d.expect ?? model!.nic!;
      return { mode: 'nic', id: `nic-${d.bdf}`, bdf: d.bdf, expect, hostId: model?.nic?.vendorDevice ?? d.expect?.vendorDevice,
        addresses: d.pair ? [d.address, d.pair.address] : [d.address], source, force: d.force, ...(d.with.length ? { with: d.with } : {}),
        ...(d.pair ? { pairs: true, partner: d.pair.bdf } : {}) };
    }
    const expect = d.expect ?? model!.vf!;
    return { mode: 'vf', id: `vf-${d.pf}`, pf: d.pf, count: d.count, expect, hostId: model?.nic?.vendorDevice,
      addresses: Array.from({ length: d.count }, (_, k) => addToAddress(d.firstAddress, k)), source, ...(d.pairs ? { pairs: true } : {}) };
  });
}

/** 10.0.3.31/24 + 2 = 10.0.3.33/24 (stays within the last octet range; checked by the plan). */
export function addToAddress(cidr: string, k: number): string {
  const [ip, prefix] = cidr.split('/') as [string, string];
  const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0) + k;
  return `${[24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.')}/${prefix}`;
}
