/**
 * What the change points of one series mean for a lab engineer, beyond "the level moved here":
 *
 * "Within the threshold" below is within the change that matters, max(threshold · |level|,
 * absolute threshold) in the metric's unit, the floor materiality uses too.
 *
 * AN OUTLIER NIGHT is one night far off while the nights before and after it are at one level:
 * two change points one night apart (the night, and the night after it), with the level after the
 * second within the threshold of the level before the first. It is one event, so it is reported
 * once, as an outlier night, and NOT as a change: the night after already measured the old level
 * again, so there is nothing to acknowledge and nothing that holds the exit code; listing it as
 * two changes (a drop and a rise) would keep the drop open until someone acknowledged a night
 * nobody can reproduce. It is still named (a host that throws one bad night a week is worth
 * knowing). E-divisive finds such a pair when a real change bounds the outlier's stretch (alone,
 * one odd night anywhere in a stretch gives every shuffle the same best split, so it is not
 * significant). A run of two or more odd nights is a change and its return, as any other.
 *
 * A CHANGE IS SUPERSEDED when a later change of the same series brings the level back: the
 * level after that later change is no longer moved, in the first change's direction, by the
 * threshold or more from the level before the first change (within the threshold of it, or past
 * it). A drop of 10 % that a later kernel undoes is superseded by that kernel's run; what it moved
 * is gone, so it no longer holds the exit code. A change followed by another in the same
 * direction (−10 %, then −5 % more) is not superseded: the level is still down. Levels are the
 * medians of the stretches between change points (the point estimates, not their intervals).
 *
 * Pure: indices into the series' change points, oldest first.
 */
import type { ChangePoint } from '../stats/change-points.ts';
import { materialFloor } from '../stats/absolute-threshold.ts';

/**
 * Is `level` still moved from `base`, in the direction of `difference`, by the change that matters
 * (max(threshold · |base|, absolute), as for materiality) and by more than nothing?
 */
function stillMoved(base: number, level: number, difference: number, threshold: number, absolute: number): boolean {
  const { floor } = materialFloor(base, threshold, absolute);
  return difference < 0 ? level < base && base - level >= floor : level > base && level - base >= floor;
}

/** A level is the same as `base` when neither way is it moved by the change that matters. */
function sameLevel(base: number, level: number, threshold: number, absolute: number): boolean {
  return !stillMoved(base, level, -1, threshold, absolute) && !stillMoved(base, level, 1, threshold, absolute);
}

export interface Episodes {
  /** The change points that are changes, oldest first (outlier nights' pairs left out). */
  changes: ChangePoint[];
  /** Each outlier night: the change point at the night and the one at the night after. */
  outliers: { night: ChangePoint; back: ChangePoint }[];
}

export function episodes(points: readonly ChangePoint[], threshold: number, absolute = 0): Episodes {
  const changes: ChangePoint[] = [];
  const outliers: Episodes['outliers'] = [];
  for (let i = 0; i < points.length; i++) {
    const night = points[i]!;
    const back = points[i + 1];
    if (back !== undefined && back.index === night.index + 1 && sameLevel(night.before.median, back.after.median, threshold, absolute)) {
      outliers.push({ night, back });
      i++;
    } else {
      changes.push(night);
    }
  }
  return { changes, outliers };
}

/**
 * For each change (oldest first), the position of the first later change that brings the level
 * back (see above), or undefined while the level it moved to (or further) still holds.
 */
export function supersededBy(changes: readonly ChangePoint[], threshold: number, absolute = 0): (number | undefined)[] {
  return changes.map((c, i) => {
    for (let j = i + 1; j < changes.length; j++) {
      if (!stillMoved(c.before.median, changes[j]!.after.median, c.difference, threshold, absolute)) return j;
    }
    return undefined;
  });
}
