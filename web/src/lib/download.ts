// Saving what the server answered as a file: the browser downloads a Blob through an object
// URL and a link with the download attribute (a fetch with the token cannot use a plain link).

/** The file name a Content-Disposition header gives, or fallback. */
export function fileName(res: Response, fallback: string): string {
  const cd = res.headers.get("Content-Disposition") ?? "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      // a malformed encoding: the plain parameter below
    }
  }
  return /filename="([^"]+)"/i.exec(cd)?.[1] ?? fallback;
}

/** Downloads blob as a file named name. */
export function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // The click has started the download; the URL goes a moment later.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
