import { PassbenchError, type ErrorDetails } from '../errors.ts';

/** QEMU answered a command with `{"error": {"class", "desc"}}`. */
export class QmpCommandError extends PassbenchError {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
    details: ErrorDetails = {},
  ) {
    super(`QMP ${command} failed: ${errorClass}: ${desc}`, details);
  }
}

/** The QMP socket closed (QEMU exited or crashed) while something was still expected from it. */
export class QmpClosedError extends PassbenchError {
  constructor(
    readonly socket: string,
    readonly waitingFor: string,
    details: ErrorDetails = {},
  ) {
    super(`QMP socket ${socket} closed while waiting for ${waitingFor}`, {
      remedy: 'QEMU has probably exited: read its serial log and stderr for why.',
      ...details,
    });
  }
}

/** QEMU sent something that is not QMP (not JSON, or no greeting). */
export class QmpProtocolError extends PassbenchError {}
