/** The parts of density-clustering (which ships no types) used here. */
declare module 'density-clustering' {
  export class DBSCAN {
    /** Clusters as lists of dataset indices; points in none of them are in `noise`. */
    run<T>(dataset: T[], epsilon: number, minPts: number, distance: (a: T, b: T) => number): number[][];
    noise: number[];
  }
}
