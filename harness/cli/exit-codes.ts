/** The exit codes every command and the nightly runner share (CI jobs key on them). */
export const ExitCode = {
  ok: 0,
  /** A check failed, a device did not show up, or a regression. */
  failed: 1,
  /** Bad arguments or config. */
  usage: 2,
  /** The environment is not fit (no IOMMU, no vfio...): see `passbench doctor`. */
  unfit: 3,
} as const;
