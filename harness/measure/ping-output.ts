/**
 * Parses `ping` output: busybox (nested guests, lab hosts) and iputils (Debian hosts) both print
 * one `… time=0.553 ms` line per reply and a "N packets transmitted, M (packets )?received" summary.
 */
export interface PingOutput {
  /** Round-trip time of every reply, seconds, in arrival order. */
  rttS: number[];
  transmitted: number;
  received: number;
  /** % of the echo requests sent that got no reply. */
  lossPercent: number;
}

const REPLY = /\btime[=<]\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|us|µs|s)\b/;
const SUMMARY = /(\d+) packets transmitted, (\d+) (?:packets )?received/;
const SCALE: Record<string, number> = { s: 1, ms: 1e-3, us: 1e-6, 'µs': 1e-6 };

export function parsePingOutput(text: string): PingOutput {
  const rttS: number[] = [];
  for (const line of text.split('\n')) {
    if (!/bytes from/.test(line)) continue;
    const match = REPLY.exec(line);
    if (match) rttS.push(Number(match[1]) * (SCALE[match[2]!] ?? 1e-3));
  }
  const summary = SUMMARY.exec(text);
  if (!summary) {
    throw new Error(`ping printed no "packets transmitted" summary: ${JSON.stringify(text.trim().split('\n').slice(-3).join(' | '))}`);
  }
  const transmitted = Number(summary[1]);
  const received = Number(summary[2]);
  return { rttS, transmitted, received, lossPercent: transmitted > 0 ? (100 * (transmitted - received)) / transmitted : 100 };
}
