import { useState } from 'react';
import { CasesScreen } from './screens/Cases.js';
import { CaseScreen } from './screens/Case.js';
import { MatchesScreen } from './screens/Matches.js';
import { CompareScreen } from './screens/Compare.js';
import { GalleryScreen } from './screens/Gallery.js';
import { AnalysisPage } from './screens/AnalysisPage.js';
import { SettingsScreen } from './screens/Settings.js';
import type { Route } from './route.js';

const TABS: { label: string; route: Route }[] = [
  { label: 'Cases', route: { screen: 'cases' } },
  { label: 'Gallery & model', route: { screen: 'gallery' } },
  { label: 'Face space', route: { screen: 'analysis' } },
  { label: 'Settings', route: { screen: 'settings' } },
];

export function App() {
  const [route, go] = useState<Route>({ screen: 'cases' });
  return (
    <div className="app">
      <nav className="topbar">
        <span className="brand">FacePheno</span>
        {TABS.map((t) => (
          <button
            key={t.label}
            className={t.route.screen === route.screen ? 'tab active' : 'tab'}
            onClick={() => go(t.route)}
          >
            {t.label}
          </button>
        ))}
      </nav>
      <main className="content">
        {route.screen === 'cases' && <CasesScreen go={go} />}
        {route.screen === 'case' && <CaseScreen key={route.id} id={route.id} go={go} />}
        {route.screen === 'matches' && <MatchesScreen key={route.caseId} caseId={route.caseId} go={go} />}
        {route.screen === 'compare' && <CompareScreen {...route} go={go} />}
        {route.screen === 'gallery' && <GalleryScreen />}
        {route.screen === 'analysis' && <AnalysisPage go={go} />}
        {route.screen === 'settings' && <SettingsScreen />}
      </main>
    </div>
  );
}
