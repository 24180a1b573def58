/**
 * What a measurement returns: figures, each a metric's value in its SI unit and which way is
 * better. The scenario stamps them into samples (results/schema.ts, which takes its units and
 * directions from here), so measure/ needs nothing from results/.
 */
export const METRIC_UNITS = ['bit/s', 's', 'req/s', '%', 'count'] as const;
export type MetricUnit = (typeof METRIC_UNITS)[number];

export const DIRECTIONS = ['higher-is-better', 'lower-is-better'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export interface Figure {
  metric: string;
  unit: MetricUnit;
  direction: Direction;
  value: number;
}

/** One figure of one repetition, as measureMode delivers it: a Sample without the run, host, mode and guest. */
export interface Measurement extends Figure {
  /** 0-based; the warm-up is 0 too, marked by `warmup`. */
  repetition: number;
  warmup: boolean;
  /** ISO time the figure was taken. */
  at: string;
  labels: Record<string, string>;
}
