/** How a report words a host's recorded facts (results/schema.ts HostMeta), the same in every format. */
import type { HostMeta } from '../results/schema.ts';

type Nic = NonNullable<HostMeta['nic']>;

/** "1 Gbit/s, MTU 1500 (eth1)"; what is unknown says so. */
export function linkText(nic: Nic | undefined): string {
  if (nic === undefined) return '–';
  const speed = nic.linkSpeedMbps === undefined ? 'speed unknown (link down?)'
    : nic.linkSpeedMbps % 1000 === 0 ? `${nic.linkSpeedMbps / 1000} Gbit/s` : `${nic.linkSpeedMbps} Mbit/s`;
  return `${speed}${nic.mtu === undefined ? '' : `, MTU ${nic.mtu}`}${nic.iface === undefined ? '' : ` (${nic.iface})`}`;
}

export function nicText(nic: Nic | undefined): string {
  return nic === undefined ? '–' : `${nic.model} (${nic.vendorDevice}, ${nic.bdf})`;
}

export function driverText(nic: Nic | undefined): string {
  return nic === undefined ? '–' : `${nic.driver} ${nic.driverVersion}`;
}
