// Saving a generated file (a chart's PNG or CSV) the way a browser does: a temporary link with a
// download name. Electron shows its save dialog for it; a browser saves to its downloads.

/** Offers `data` (a data: or blob: URL) for download as `filename`. */
export function downloadUrl(url: string, filename: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}

/** Offers `text` as a file named `filename` of type `mime`. */
export function downloadText(text: string, filename: string, mime: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  downloadUrl(url, filename);
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A file name made from a title: letters, digits and dashes only, never empty. */
export function fileSlug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'chart';
}
