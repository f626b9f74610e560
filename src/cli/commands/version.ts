import { appVersion } from '../../main/version.js';
import type { Command } from '../command.js';

export const command: Command = {
  summary: 'print the FacePheno version',
  usage: 'Usage: facepheno version\n\nPrints the FacePheno version that stamps every stored result.',
  async run() {
    console.log(`facepheno ${appVersion}`);
    return 0;
  },
};
