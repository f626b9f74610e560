import { Link, Outlet } from '@tanstack/react-router';

const TABS = [
  { label: 'Cases', to: '/cases' },
  { label: 'Gallery & model', to: '/gallery' },
  { label: 'Face space', to: '/analysis' },
  { label: 'Settings', to: '/settings' },
] as const;

/** The top bar's tabs and the screen at the address. */
export function App() {
  return (
    <div className="app">
      <nav className="topbar">
        <span className="brand">FacePheno</span>
        {TABS.map((t) => (
          // Active on the tab's own screens too: a case is under Cases. The list's search is not the tab's.
          <Link key={t.to} to={t.to} className="tab" activeOptions={{ includeSearch: false }}>
            {t.label}
          </Link>
        ))}
      </nav>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}

export function NotFound() {
  return (
    <section>
      <h1>Nothing here</h1>
      <p className="muted">FacePheno has no screen at this address.</p>
      <Link to="/cases">Open the case list</Link>
    </section>
  );
}
