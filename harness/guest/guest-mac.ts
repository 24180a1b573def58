/**
 * A guest's MAC from its test address's last octet (10.0.3.41 → 52:54:00:03:00:29), so it is fixed
 * and differs per guest: QEMU's default MAC is the same in every QEMU process, and on the virtual
 * lab's hub the lab host's first igb PF already has it.
 */
export const macForAddress = (address: string): string => `52:54:00:03:00:${Number(address.split('/')[0]!.split('.')[3]).toString(16).padStart(2, '0')}`;
