import type { ReactNode } from 'react';
import {
  createHashHistory,
  createRootRoute,
  createRoute,
  createRouter,
  redirect,
} from '@tanstack/react-router';
import { App, NotFound } from './App.js';
import { AnalysisPage } from './screens/AnalysisPage.js';
import { CaseScreen } from './screens/Case.js';
import { CasesScreen } from './screens/Cases.js';
import { CompareScreen } from './screens/Compare.js';
import { GalleryScreen } from './screens/Gallery.js';
import { MatchesScreen } from './screens/Matches.js';
import { SettingsScreen } from './screens/Settings.js';

/** A search parameter as text: the router reads `?filter=123` as the number 123. */
function asText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

const root = createRootRoute({ component: App, notFoundComponent: NotFound });

const start = createRoute({
  getParentRoute: () => root,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/cases', replace: true });
  },
});

export interface CaseListSearch {
  /** Text the list is searched for; absent for every case. */
  filter?: string;
}

const caseList = createRoute({
  getParentRoute: () => root,
  path: '/cases',
  validateSearch: (search: Record<string, unknown>): CaseListSearch => {
    const filter = asText(search.filter);
    return filter ? { filter } : {};
  },
  component: CaseListRoute,
});
function CaseListRoute(): ReactNode {
  const { filter } = caseList.useSearch();
  return <CasesScreen filter={filter ?? ''} />;
}

// Each screen of a case is keyed by it: another case's address starts the screen afresh (its notes, its
// search boxes), as opening it from the list does.
const caseDetail = createRoute({
  getParentRoute: () => root,
  path: '/cases/$caseId',
  component: CaseRoute,
});
function CaseRoute(): ReactNode {
  const { caseId } = caseDetail.useParams();
  return <CaseScreen key={caseId} id={caseId} />;
}

const matches = createRoute({
  getParentRoute: () => root,
  path: '/cases/$caseId/matches',
  component: MatchesRoute,
});
function MatchesRoute(): ReactNode {
  const { caseId } = matches.useParams();
  return <MatchesScreen key={caseId} caseId={caseId} />;
}

export interface CompareSearch {
  /** The ranked label whose nearest cases are flipped through. */
  label: string;
  /** Which of them is shown, from 0. */
  index: number;
}

const compare = createRoute({
  getParentRoute: () => root,
  path: '/cases/$caseId/compare',
  validateSearch: (search: Record<string, unknown>): CompareSearch => {
    const index = Math.floor(Number(search.index));
    return { label: asText(search.label) ?? '', index: index >= 0 ? index : 0 };
  },
  component: CompareRoute,
});
function CompareRoute(): ReactNode {
  const { caseId } = compare.useParams();
  const { label, index } = compare.useSearch();
  return <CompareScreen key={caseId} caseId={caseId} label={label} index={index} />;
}

const gallery = createRoute({ getParentRoute: () => root, path: '/gallery', component: GalleryScreen });
// A gallery member opens here, read-only (the Case screen shows a reference case so wherever it opens).
const galleryCase = createRoute({
  getParentRoute: () => root,
  path: '/gallery/$caseId',
  component: GalleryCaseRoute,
});
function GalleryCaseRoute(): ReactNode {
  const { caseId } = galleryCase.useParams();
  return <CaseScreen key={caseId} id={caseId} />;
}
const analysis = createRoute({ getParentRoute: () => root, path: '/analysis', component: AnalysisPage });
const settings = createRoute({ getParentRoute: () => root, path: '/settings', component: SettingsScreen });

const routeTree = root.addChildren([
  start,
  caseList,
  caseDetail,
  matches,
  compare,
  gallery,
  galleryCase,
  analysis,
  settings,
]);

/**
 * The router, on the address's hash: `facepheno serve` serves the page under a random path prefix with its
 * token in the query, and Electron's app:// protocol serves files, so neither server ever sees a route. Made once the API has
 * taken the token from the address (api.ts), which would otherwise be read as a search parameter.
 */
export function createAppRouter() {
  return createRouter({ routeTree, history: createHashHistory() });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
