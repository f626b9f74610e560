/**
 * Every test file gets its own user config directory (XDG_CONFIG_HOME), inherited by the commands it runs:
 * the key files FacePheno makes for new databases land there, not in the user's ~/.config.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const config = mkdtempSync(join(tmpdir(), 'facepheno-test-config-'));
process.env.XDG_CONFIG_HOME = config;
afterAll(() => rmSync(config, { recursive: true, force: true }));
