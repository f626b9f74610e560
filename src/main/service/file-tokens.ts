import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';

/**
 * Files by token: those the user chose in the shell's open dialog, and those serve received as streamed
 * uploads. The renderer only ever holds tokens, so it cannot make the Service read a path of its own
 * choosing.
 */
export class FileTokens {
  private readonly paths = new Map<string, string>();

  issue(path: string): { token: string; name: string } {
    const token = randomBytes(18).toString('base64url');
    this.paths.set(token, path);
    return { token, name: basename(path) };
  }

  /** The path of one token, or undefined for a token never issued. */
  pathOf(token: string): string | undefined {
    return this.paths.get(token);
  }

  /** The paths of the tokens found anywhere in a call's input; unknown tokens are left to the Service to refuse. */
  resolveIn(input: unknown): Record<string, string> {
    const found: Record<string, string> = {};
    // A stack, not recursion: a call's input is whatever a page sent, nested as deep as JSON allows.
    const stack: unknown[] = [input];
    while (stack.length > 0) {
      const v = stack.pop();
      if (v === null || typeof v !== 'object') continue;
      const o = v as Record<string, unknown>;
      if (o.kind === 'token' && typeof o.token === 'string') {
        const path = this.paths.get(o.token);
        if (path !== undefined) found[o.token] = path;
      }
      // One by one, not spread: an array may hold more items than a call takes arguments.
      for (const item of Object.values(o)) if (item !== null && typeof item === 'object') stack.push(item);
    }
    return found;
  }
}
