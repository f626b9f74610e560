import type { Neighbour } from '../../shared/api.js';

/** Where the window is; screens move by calling go(route). */
export type Route =
  | { screen: 'cases' }
  | { screen: 'case'; id: string }
  | { screen: 'matches'; caseId: string }
  /** `nearest` is the list to flip through, `index` the one shown. */
  | {
      screen: 'compare';
      caseId: string;
      label: string;
      isControl: boolean;
      nearest: Neighbour[];
      index: number;
    }
  | { screen: 'gallery' }
  | { screen: 'analysis' }
  | { screen: 'settings' };

export type Go = (route: Route) => void;
