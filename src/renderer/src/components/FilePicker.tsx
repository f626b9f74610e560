import { useState } from 'react';
import type { CallInput, FileSource } from '../../../shared/api.js';
import { api, errorText } from '../api.js';
import { hasFileDialog } from '../host.js';
import { toFileSource } from './files.js';
import { ErrorBox } from './Notice.js';

type DialogKind = CallInput<'files.open'>['kind'];

/**
 * One file from the user: the desktop app's open dialog (a token), or in a browser the file input (the
 * file streamed up to serve, named by its upload token). Never a path the page makes up.
 */
export function FilePicker({
  kind,
  accept,
  label,
  button,
  disabled,
  onPick,
  onFile,
}: {
  kind: DialogKind;
  /** The browser input's accepted extensions, e.g. '.vcf,.gz'. */
  accept: string;
  /** The browser input's accessible name. */
  label: string;
  /** The dialog button's text. */
  button: string;
  disabled: boolean;
  /** Called as soon as the user picks, before the file is read: the last file's message is cleared. */
  onPick?: () => void;
  onFile: (file: FileSource) => void;
}) {
  // A file that could not be sent (too large, serve gone): said here, since no call was made.
  const [error, setError] = useState<string | null>(null);
  async function choose() {
    const first = (await api.call('files.open', { kind })).files[0];
    if (!first) return;
    onPick?.();
    onFile({ kind: 'token', token: first.token });
  }
  return hasFileDialog ? (
    <button disabled={disabled} onClick={() => void choose()}>
      {button}
    </button>
  ) : (
    <>
      <input
        type="file"
        accept={accept}
        aria-label={label}
        disabled={disabled}
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (!f) return;
          onPick?.();
          setError(null);
          toFileSource(f).then(onFile, (err: unknown) => setError(errorText(err)));
        }}
      />
      <ErrorBox error={error} />
    </>
  );
}
