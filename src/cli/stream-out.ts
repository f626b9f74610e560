/**
 * Output written as results come, for commands that take any number of photos: each write waits while
 * stdout's buffer is full (a slow pipe or terminal), so what is pending stays bounded instead of growing
 * with the run.
 */
export async function writeOut(text: string): Promise<void> {
  if (process.stdout.write(text)) return;
  await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
}

/**
 * One JSON document `{...head, [key]: [items]}` written an item at a time: the same document that
 * `JSON.stringify(doc, null, 2)` prints, without holding every item.
 */
export class JsonArrayOut {
  private count = 0;

  private constructor() {}

  static async open(head: Record<string, unknown>, key: string): Promise<JsonArrayOut> {
    const text = JSON.stringify(head, null, 2);
    const fields = text === '{}' ? '{\n' : `${text.slice(0, -2)},\n`;
    await writeOut(`${fields}  ${JSON.stringify(key)}: [`);
    return new JsonArrayOut();
  }

  async item(value: unknown): Promise<void> {
    const indented = JSON.stringify(value, null, 2).replaceAll('\n', '\n    ');
    await writeOut(`${this.count++ === 0 ? '\n' : ',\n'}    ${indented}`);
  }

  async close(): Promise<void> {
    await writeOut(this.count === 0 ? ']\n}\n' : '\n  ]\n}\n');
  }
}
