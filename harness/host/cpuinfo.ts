/** What /proc/cpuinfo says about the CPU: its vendor and model, and whether it has VT-x (vmx) or AMD-V (svm). */
export interface CpuFacts {
  vendor: 'intel' | 'amd' | 'other';
  /** "model name", e.g. "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz". */
  model?: string;
  virtFlag?: 'vmx' | 'svm';
}

/** The first CPU's entry is enough: flags and vendor are the same on every CPU of a host. */
export function parseCpuinfo(text: string | undefined): CpuFacts | undefined {
  if (text === undefined) return undefined;
  const vendorId = /^vendor_id\s*:\s*(\S+)/m.exec(text)?.[1];
  const flags = new Set((/^flags\s*:(.*)$/m.exec(text)?.[1] ?? '').trim().split(/\s+/));
  const model = /^model name\s*:\s*(.+)$/m.exec(text)?.[1]?.trim();
  return {
    vendor: vendorId === 'GenuineIntel' ? 'intel' : vendorId === 'AuthenticAMD' ? 'amd' : 'other',
    ...(model ? { model } : {}),
    virtFlag: flags.has('vmx') ? 'vmx' : flags.has('svm') ? 'svm' : undefined,
  };
}
