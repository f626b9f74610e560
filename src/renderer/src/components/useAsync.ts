import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from '../api.js';

export interface Async<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
  /** Replaces the data with a newer copy a call returned, without loading again. */
  set: (data: T) => void;
}

/** Runs `load` whenever `key` changes (and on reload); only the latest run's answer is kept. */
export function useAsync<T>(load: () => Promise<T>, key: string): Async<T> {
  const latest = useRef(load);
  useEffect(() => {
    latest.current = load;
  });
  const [generation, setGeneration] = useState(0);
  const request = `${generation}:${key}`;
  const [state, setState] = useState<{ request: string | null; data: T | null; error: string | null }>({
    request: null,
    data: null,
    error: null,
  });
  useEffect(() => {
    let live = true;
    latest.current().then(
      (data) => {
        if (live) setState({ request, data, error: null });
      },
      (err: unknown) => {
        if (live) setState((s) => ({ request, data: s.data, error: errorText(err) }));
      },
    );
    return () => {
      live = false;
    };
  }, [request]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const set = useCallback((data: T) => setState({ request, data, error: null }), [request]);
  return { data: state.data, error: state.error, loading: state.request !== request, reload, set };
}
