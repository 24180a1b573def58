/**
 * Throughput as a percentage of what the link can carry as TCP payload ("line rate").
 *
 * Each TCP segment of MTU bytes costs MTU + 38 bytes of wire time: Ethernet header 14, FCS 4,
 * preamble + start-of-frame delimiter 8, inter-frame gap 12. Of the MTU, the IPv4 header (20), the
 * TCP header (20) and the TCP timestamp option (12, on by default in Linux) are not payload. So
 *
 *   goodput = linkBps × (MTU − 52) / (MTU + 38)
 *
 * 10 GbE, MTU 1500: 10e9 × 1448 / 1538 = 9.415 Gb/s (the usual "9.41 Gb/s"); MTU 9000: 10e9 × 8948 / 9038 = 9.900 Gb/s.
 */
export const ETHERNET_OVERHEAD_BYTES = 38;
export const TCP_IPV4_HEADERS_BYTES = 52;

export function tcpGoodputBps(linkBps: number, mtu = 1500): number {
  if (!(linkBps > 0)) throw new RangeError(`link speed must be > 0 bit/s, got ${linkBps}`);
  if (!(mtu > TCP_IPV4_HEADERS_BYTES && mtu <= 65535)) throw new RangeError(`MTU must be in (52, 65535], got ${mtu}`);
  return (linkBps * (mtu - TCP_IPV4_HEADERS_BYTES)) / (mtu + ETHERNET_OVERHEAD_BYTES);
}

/** 10 GbE at MTU 1500: the default line rate. */
export const TEN_GBE_TCP_GOODPUT_BPS = tcpGoodputBps(10e9, 1500);

/** bitsPerSecond as % of lineRateBps (default 10 GbE TCP goodput at MTU 1500). */
export function percentOfLineRate(bitsPerSecond: number, lineRateBps = TEN_GBE_TCP_GOODPUT_BPS): number {
  if (!(lineRateBps > 0)) throw new RangeError(`line rate must be > 0 bit/s, got ${lineRateBps}`);
  return (100 * bitsPerSecond) / lineRateBps;
}
