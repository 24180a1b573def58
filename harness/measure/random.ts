/** Moved to harness/stats/random.ts (statistics live in a leaf folder); kept until importers move. */
export * from '../stats/random.ts';
