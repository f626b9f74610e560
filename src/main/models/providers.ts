import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** An execution provider worth trying, or one passed over with the reason. */
export interface ProviderCandidate {
  name: string;
  skipped?: string;
}

/** Where onnxruntime-node keeps its native libraries for this platform (the CUDA provider is an optional extra). */
function ortBinDir(): string {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
  return join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

/**
 * The providers to try, best first: CUDA on Linux when its libraries are installed, DirectML on Windows,
 * CoreML on macOS, then the CPU, which always works. FACEPHENO_PROVIDER=cpu (or another name) forces one.
 */
export function providerCandidates(platform: NodeJS.Platform = process.platform): ProviderCandidate[] {
  const forced = process.env.FACEPHENO_PROVIDER?.trim();
  if (forced) return forced === 'cpu' ? [{ name: 'cpu' }] : [{ name: forced }, { name: 'cpu' }];
  const list: ProviderCandidate[] = [];
  if (platform === 'linux') {
    const lib = join(ortBinDir(), 'libonnxruntime_providers_cuda.so');
    list.push(
      existsSync(lib)
        ? { name: 'cuda' }
        : { name: 'cuda', skipped: `CUDA provider library not installed (${lib} missing)` },
    );
  } else if (platform === 'win32') list.push({ name: 'dml' });
  else if (platform === 'darwin') list.push({ name: 'coreml' });
  list.push({ name: 'cpu' });
  return list;
}
