import { BrowserWindow, dialog, ipcMain } from 'electron';
import {
  ApiError,
  isCallName,
  parseInput,
  type CallArgs,
  type CallOutput,
  type Reply,
} from '../../shared/api.js';
import { APP_ORIGIN, isTrustedSender } from '../../shared/security.js';
import type { ServiceHost } from '../service/host.js';
import type { FileTokens } from '../service/file-tokens.js';

const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff', 'gif', 'heic', 'heif', 'avif'];

/**
 * The one IPC channel for calls: the sender must be the app's own top frame, the input must pass the
 * contract, then the call goes to the Service with the paths of any dialog tokens it names.
 * `files.open` is answered here, since only the shell can show a dialog.
 */
export function bindIpc(service: ServiceHost, tokens: FileTokens): void {
  ipcMain.handle('facepheno:call', async (event, name: unknown, input: unknown): Promise<Reply> => {
    const frame = event.senderFrame;
    if (!frame || !isTrustedSender({ url: frame.url, isMainFrame: frame.parent === null }, APP_ORIGIN)) {
      return { ok: false, error: 'refused: the request did not come from FacePheno' };
    }
    try {
      if (typeof name !== 'string' || !isCallName(name))
        throw new ApiError(`unknown request '${String(name)}'`);
      const args = parseInput(name, input);
      if (name === 'files.open') {
        const win = BrowserWindow.fromWebContents(event.sender);
        return {
          ok: true,
          value: await openDialog(win, (args as CallArgs<'files.open'>).kind, tokens),
        };
      }
      return await service.call(name, args, tokens.resolveIn(args));
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  });
}

async function openDialog(
  win: BrowserWindow | null,
  kind: CallArgs<'files.open'>['kind'],
  tokens: FileTokens,
): Promise<CallOutput<'files.open'>> {
  const options: Record<typeof kind, Electron.OpenDialogOptions> = {
    folder: { title: 'Choose a gallery folder', properties: ['openDirectory'] },
    images: {
      title: 'Choose photos',
      properties: ['openFile', 'multiSelections'],
      filters: [{ name: 'Photos', extensions: IMAGE_EXTENSIONS }],
    },
    ontology: {
      title: 'Choose the HPO release (hp.json or hp.obo)',
      properties: ['openFile'],
      filters: [{ name: 'HPO', extensions: ['json', 'obo'] }],
    },
    vcf: {
      title: "Choose the patient's VCF",
      properties: ['openFile'],
      filters: [{ name: 'VCF', extensions: ['vcf', 'gz', 'bgz'] }],
    },
    catalogue: {
      title: 'Choose the gene-syndrome catalogue (genemap2.txt or genes_to_disease.txt)',
      properties: ['openFile'],
      filters: [{ name: 'Catalogue', extensions: ['txt', 'tsv'] }],
    },
  };
  const r = win
    ? await dialog.showOpenDialog(win, options[kind])
    : await dialog.showOpenDialog(options[kind]);
  return { files: r.canceled ? [] : r.filePaths.map((p) => tokens.issue(p)) };
}
