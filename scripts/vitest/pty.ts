import { execFile } from "node:child_process";
import { promisify } from "node:util";

// Python's pty module gives kubectl a real terminal, whose size a test can set and change: Node has no pty.
const DRIVER = `
import fcntl, json, os, pty, select, struct, sys, termios, time
spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(spec["argv"][0], spec["argv"], spec["env"])
def size(rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
size(*spec["size"])
out, resized, deadline = b"", False, time.time() + spec["timeoutSeconds"]
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
    if spec.get("resizeWhen") and not resized and spec["resizeWhen"].encode() in out:
        size(*spec["resizeTo"]); resized = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(json.dumps({"output": out.decode("utf-8", "replace"), "code": os.waitstatus_to_exitcode(status)}))
`;

export interface PtyRun {
  output: string;
  code: number;
}

/**
 * Runs argv on a pseudo-terminal of `size` [rows, cols]; once `resizeWhen` appears in the output, the terminal is
 * resized to `resizeTo` (the program gets SIGWINCH, as from a real terminal window).
 */
export async function runInPty(
  argv: string[],
  options: { env: Record<string, string>; size: [number, number]; resizeWhen?: string; resizeTo?: [number, number]; timeoutSeconds?: number },
): Promise<PtyRun> {
  const spec = { argv, env: options.env, size: options.size, resizeWhen: options.resizeWhen, resizeTo: options.resizeTo, timeoutSeconds: options.timeoutSeconds ?? 30 };
  const { stdout } = await promisify(execFile)("python3", ["-c", DRIVER, JSON.stringify(spec)], { timeout: (spec.timeoutSeconds + 10) * 1000 });
  return JSON.parse(stdout) as PtyRun;
}
