// Preloaded into a benchmarked Node process: reports its peak RSS on exit, on fd 3 if open, else stderr.
const { writeSync } = require("node:fs");
process.on("exit", () => {
  const line = `max-rss-kib ${process.resourceUsage().maxRSS}\n`;
  try {
    writeSync(3, line);
  } catch {
    writeSync(2, line);
  }
});
