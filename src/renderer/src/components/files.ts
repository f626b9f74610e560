/** A dropped or picked file's bytes as base64, read by the browser: the Service never sees a path from here. */
export function fileToBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = reader.result as string;
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(new Error(`${file.name}: could not be read`));
    reader.readAsDataURL(file);
  });
}

export function dataUrl(mime: string, base64: string): string {
  return `data:${mime};base64,${base64}`;
}
