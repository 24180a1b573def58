/**
 * Where an SSH connection goes and how it proves who is at each end: what the credential and error
 * helpers read of SshHostOptions (ssh-host.ts extends it), apart so that they need not import
 * ssh-host.ts, which imports them.
 */
export interface SshTarget {
  address: string;
  /** Default 22. */
  port?: number;
  /** Default root. */
  user?: string;
  /** Private key file on this machine (unencrypted: runs are unattended). */
  identityFile: string;
  /** The pinned host key: one or more OpenSSH public key lines. Give this or `knownHostsFile`. */
  hostKey?: string | readonly string[];
  /** A known_hosts file holding the host's key under `address` or `[address]:port`. */
  knownHostsFile?: string;
}
