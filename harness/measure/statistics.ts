/** Moved to harness/stats/descriptive.ts (statistics live in a leaf folder); kept until importers move. */
export * from '../stats/descriptive.ts';
