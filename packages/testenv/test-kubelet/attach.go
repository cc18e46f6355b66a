package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
)

// AttachContainer streams what the container writes from now on (lines appended to its log, stdout and stderr
// apart unless tty) until the client goes away or the container is marked exited. With AttachEchoesStdin (the
// default) what the client sends is appended to the log as stdout, like a container running `cat`.
func (k *kubelet) AttachContainer(ctx context.Context, name, _ string, container string, in io.Reader, out, errOut io.WriteCloser, tty bool, _ <-chan remotecommand.TerminalSize) error {
	ns, pod, b, err := k.resolve(name, container)
	if err != nil {
		return err
	}
	cdir := k.containerDir(ns, pod, container)
	if err := os.MkdirAll(cdir, 0o755); err != nil {
		return err
	}
	path := currentLog(cdir)
	var start int64
	if info, err := os.Stat(path); err == nil {
		start = info.Size()
	}
	if in != nil && (b.AttachEchoesStdin == nil || *b.AttachEchoesStdin) {
		go func() { _ = appendStdin(path, in) }()
	}
	for {
		start, err = copyNewLines(path, start, out, errOut, tty)
		if err != nil {
			return err
		}
		if _, err := os.Stat(exitedMarker(cdir)); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}

var appendMu sync.Mutex // one writer at a time per process, so lines from two attaches never interleave

// appendStdin appends each chunk the client sends to the log: complete lines as F entries, the rest as P.
func appendStdin(path string, in io.Reader) error {
	buf := make([]byte, 32*1024)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			var entries bytes.Buffer
			chunk := buf[:n]
			for len(chunk) > 0 {
				line, rest, full := bytes.Cut(chunk, []byte("\n"))
				tag := "P"
				if full {
					tag = "F"
				}
				if len(line) > 0 || full {
					fmt.Fprintf(&entries, "%s stdout %s %s\n", time.Now().UTC().Format(time.RFC3339Nano), tag, line)
				}
				chunk = rest
			}
			appendMu.Lock()
			f, ferr := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
			if ferr == nil {
				_, ferr = f.Write(entries.Bytes())
				f.Close()
			}
			appendMu.Unlock()
			if ferr != nil {
				return ferr
			}
		}
		if err != nil {
			return err
		}
	}
}

// copyNewLines writes the complete log entries after offset to out/errOut and returns the new offset.
func copyNewLines(path string, offset int64, out, errOut io.Writer, tty bool) (int64, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return offset, nil
	}
	if err != nil {
		return offset, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.NewSectionReader(f, offset, 1<<40))
	if err != nil {
		return offset, err
	}
	end := bytes.LastIndexByte(data, '\n')
	if end < 0 {
		return offset, nil
	}
	for _, line := range bytes.SplitAfter(data[:end+1], []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		l, err := parseCRI(line)
		if err != nil {
			return offset, err
		}
		content := l.content
		if !l.partial {
			content = append(content, '\n')
		}
		w := out
		if l.stream == "stderr" && !tty {
			w = errOut
		}
		if tty {
			content = bytes.ReplaceAll(content, []byte("\n"), []byte("\r\n"))
		}
		if w != nil {
			if _, err := w.Write(content); err != nil {
				return offset, err
			}
		}
	}
	return offset + int64(end) + 1, nil
}

// PortForward connects one forwarded stream as the pod's behaviour says: "echo" sends back what it receives,
// a loopback "HOST:PORT" is dialled, "refuse" (and no rule at all) fails as a closed port does.
func (k *kubelet) PortForward(ctx context.Context, name, _ string, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	ns, pod, b, err := k.resolve(name, "")
	if err != nil {
		return err
	}
	target, ok := b.PortForward[strconv.Itoa(int(port))]
	if !ok {
		target, ok = b.PortForward["*"]
	}
	switch {
	case !ok || target == "refuse":
		return fmt.Errorf("failed to connect to localhost:%d inside namespace %q: connection refused", port, ns+"/"+pod)
	case target == "echo":
		_, err := io.Copy(stream, stream)
		return err
	}
	host, _, err := net.SplitHostPort(target)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("port-forward target %q for port %d: only loopback HOST:PORT, echo or refuse are allowed", target, port)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		return fmt.Errorf("failed to connect to localhost:%d inside namespace %q: %w", port, ns+"/"+pod, err)
	}
	defer conn.Close()
	// Client to pod: at EOF, half-close so the server sees it. Pod to client: when the server is done, so is the stream.
	go func() {
		_, _ = io.Copy(conn, stream)
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}()
	back := make(chan struct{})
	go func() { _, _ = io.Copy(stream, conn); close(back) }()
	select {
	case <-back:
	case <-ctx.Done():
	}
	return nil
}
