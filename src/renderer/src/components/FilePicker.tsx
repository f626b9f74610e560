import type { CallInput, FileSource } from '../../../shared/api.js';
import { api } from '../api.js';
import { hasFileDialog } from '../host.js';
import { fileToBase64 } from './files.js';

type DialogKind = CallInput<'files.open'>['kind'];

/**
 * One file from the user: the desktop app's open dialog (a token), or in a browser the file input (the
 * bytes). Never a path the page makes up.
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
    <input
      type="file"
      accept={accept}
      aria-label={label}
      disabled={disabled}
      onChange={(e) => {
        const f = e.target.files?.[0];
        if (!f) return;
        onPick?.();
        void fileToBase64(f).then((data) => onFile({ kind: 'bytes', name: f.name, data }));
      }}
    />
  );
}
