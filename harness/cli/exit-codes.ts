/** The exit codes every command and the nightly runner share (CI jobs key on them). */
export const ExitCode = {
  ok: 0,
  /** A check failed, a device did not show up, or a regression. */
  failed: 1,
  /** Bad arguments or config. */
  usage: 2,
  /** The environment is not fit (no IOMMU, no vfio...), a host is busy or unreachable: see `passbench doctor`. */
  unfit: 3,
  /** The results cannot be read: a missing or corrupt run directory or result file, a run id not in the history, a history that cannot be opened. */
  unreadable: 4,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
