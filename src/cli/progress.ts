// A one-line progress indicator on a TTY (stderr): rows read, rows/s and, when the total is
// known from bytes, an ETA. Silent when stderr is not a terminal (CI, pipes, --json).
export function progressBar(label: string, totalBytes?: number): { update: (rows: number, bytes?: number) => void; done: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, done: () => {} };
  const t0 = performance.now();
  let last = 0;
  const update = (rows: number, bytes?: number) => {
    const now = performance.now();
    if (now - last < 200) return;
    last = now;
    const secs = (now - t0) / 1000;
    const rate = rows / Math.max(secs, 0.001);
    let eta = "";
    if (totalBytes && bytes && bytes > 0) {
      const left = (secs * (totalBytes - bytes)) / bytes;
      eta = `  ETA ${Math.max(0, Math.round(left))}s  ${Math.min(100, Math.round((bytes / totalBytes) * 100))}%`;
    }
    process.stderr.write(`\r${label}: ${rows.toLocaleString("en-US")} rows  ${Math.round(rate).toLocaleString("en-US")} rows/s${eta}   `);
  };
  return { update, done: () => process.stderr.write("\n") };
}
