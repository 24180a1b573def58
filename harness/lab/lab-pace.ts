import fs from 'node:fs/promises';
import path from 'node:path';
import { Pace, type Accel } from '../wait/index.ts';
import type { LabState } from './lab-up.ts';

/**
 * The pace of a run, from what was already seen: when the lab config is the lab.yaml that
 * `passbench lab up` wrote, state.json beside it holds how long the virtual lab host took to answer
 * SSH (state.sshReadyMs), measured under TCG on this very machine; that says how loaded it is. Any
 * other lab config (real lab hosts) gives the accelerator's pace, nothing measured.
 */
export async function runPace(labConfig: string | undefined, accel: Accel): Promise<Pace> {
  const state = await labStateOf(labConfig);
  // A lab booted with KVM has no idle reference to be compared with.
  if (state?.accel !== 'tcg' || typeof state.sshReadyMs !== 'number' || !(state.sshReadyMs > 0)) return Pace.forAccel(accel);
  // In an emulated lab host every guest instruction goes through TCG at least once, whatever the
  // guests' own accelerator: a nested KVM guest is paced as TCG (generous: its boot takes a fifth).
  return Pace.fromLabBoot(state.sshReadyMs, 'tcg');
}

/** The lab config is a virtual lab whose host runs under TCG: every figure from it is an emulated one. */
export async function labIsEmulated(labConfig: string | undefined): Promise<boolean> {
  return (await labStateOf(labConfig))?.accel === 'tcg';
}

function labStateOf(labConfig: string | undefined): Promise<Partial<LabState> | undefined> {
  return labConfig ? readLabState(path.join(path.dirname(labConfig), 'state.json')) : Promise.resolve(undefined);
}

/** The lab's state.json, or undefined when there is none (not a virtual lab's config) or it is not JSON. */
async function readLabState(file: string): Promise<Partial<LabState> | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Partial<LabState>;
  } catch {
    return undefined;
  }
}
