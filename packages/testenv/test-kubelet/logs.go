package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Container state files under DIR/pods/NS/POD/CONTAINER/: the logs in the CRI format the kubelet reads
// ("2026-01-02T15:04:05.000000000Z stdout F text"), an "exited" marker that ends follows and attaches (as a
// container that stopped), and the root of what exec sees.
func currentLog(containerDir string) string  { return filepath.Join(containerDir, "current.log") }
func previousLog(containerDir string) string { return filepath.Join(containerDir, "previous.log") }
func exitedMarker(containerDir string) string { return filepath.Join(containerDir, "exited") }
func rootDir(containerDir string) string     { return filepath.Join(containerDir, "root") }

// criLine is one parsed log line.
type criLine struct {
	ts      time.Time
	raw     string // the timestamp as written
	stream  string // stdout | stderr
	partial bool   // tag P: the line goes on in the next entry
	content []byte
}

func parseCRI(line []byte) (criLine, error) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	fields := bytes.SplitN(line, []byte(" "), 4)
	if len(fields) < 3 {
		return criLine{}, fmt.Errorf("not a CRI log line: %q", line)
	}
	ts, err := time.Parse(time.RFC3339Nano, string(fields[0]))
	if err != nil {
		return criLine{}, fmt.Errorf("bad timestamp in CRI log line %q: %w", line, err)
	}
	l := criLine{ts: ts, raw: string(fields[0]), stream: string(fields[1]), partial: string(fields[2]) == "P"}
	if l.stream != "stdout" && l.stream != "stderr" {
		return criLine{}, fmt.Errorf("bad stream in CRI log line %q", line)
	}
	if len(fields) == 4 {
		l.content = fields[3]
	}
	return l, nil
}

type logOptions struct {
	follow     bool
	previous   bool
	timestamps bool
	tail       int64 // -1: all
	limitBytes int64 // -1: no limit
	since      time.Time
}

func parseLogOptions(r *http.Request) (logOptions, error) {
	q := r.URL.Query()
	o := logOptions{tail: -1, limitBytes: -1}
	o.follow, o.previous, o.timestamps = q.Get("follow") == "true", q.Get("previous") == "true", q.Get("timestamps") == "true"
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"tailLines", &o.tail}, {"limitBytes", &o.limitBytes}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return o, fmt.Errorf("%s: invalid value %q", p.name, v)
			}
			*p.dst = n
		}
	}
	if v := q.Get("sinceSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return o, fmt.Errorf("sinceSeconds: invalid value %q", v)
		}
		o.since = time.Now().Add(-time.Duration(n) * time.Second)
	}
	if v := q.Get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return o, fmt.Errorf("sinceTime: invalid value %q", v)
		}
		o.since = t
	}
	return o, nil
}

// containerLogs serves GET /containerLogs/NS/POD/CONTAINER as the kubelet does (follow, previous, timestamps,
// tailLines, limitBytes, sinceSeconds, sinceTime). A container without a log file falls back to DIR/default.log.
func (k *kubelet) containerLogs(w http.ResponseWriter, r *http.Request) {
	ns, pod, container, err := names(r, true)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	opts, err := parseLogOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cdir := k.containerDir(ns, pod, container)
	path := currentLog(cdir)
	if opts.previous {
		path = previousLog(cdir)
		if _, err := os.Stat(path); err != nil {
			// The kubelet's words when a container has not restarted.
			http.Error(w, fmt.Sprintf("previous terminated container %q in pod %q not found", container, pod), http.StatusBadRequest)
			return
		}
	} else if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		path = filepath.Join(k.dir, "default.log")
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	flush := func() {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	lw := &limitedWriter{w: w, left: opts.limitBytes}
	err = streamLog(r.Context(), path, opts, exitedMarker(cdir), lw, flush)
	if err != nil && !errors.Is(err, errLimitReached) && r.Context().Err() == nil {
		_, _ = fmt.Fprintf(w, "\ntest-kubelet: %v\n", err)
	}
}

var errLimitReached = errors.New("limitBytes reached")

type limitedWriter struct {
	w    io.Writer
	left int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.left < 0 {
		return l.w.Write(p)
	}
	if l.left == 0 {
		return 0, errLimitReached
	}
	cut := p
	if int64(len(cut)) > l.left {
		cut = cut[:l.left]
	}
	n, err := l.w.Write(cut)
	l.left -= int64(n)
	if err == nil && len(cut) < len(p) {
		err = errLimitReached
	}
	return n, err
}

// streamLog writes the log's lines (the last `tail`, those since `since`), then, with follow, what is appended
// until ctx ends or the container is marked exited.
func streamLog(ctx context.Context, path string, o logOptions, exited string, w io.Writer, flush func()) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !o.follow {
			return nil
		}
	} else if err != nil {
		return err
	}
	var rd *bufio.Reader
	if f != nil {
		defer f.Close()
		if o.tail >= 0 {
			if err := seekTail(f, o.tail); err != nil {
				return err
			}
		}
		rd = bufio.NewReader(f)
	}
	var pending []byte // a partial line waiting for its end, when following
	for {
		if rd != nil {
			for {
				line, err := rd.ReadBytes('\n')
				if len(line) > 0 && line[len(line)-1] == '\n' {
					line = append(pending, line...)
					pending = nil
					if err := writeLine(w, line, o); err != nil {
						return err
					}
					continue
				}
				pending = append(pending, line...)
				if err == io.EOF {
					break
				}
				if err != nil {
					return err
				}
			}
		}
		flush()
		if !o.follow {
			return nil
		}
		if _, err := os.Stat(exited); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
		if rd == nil {
			if f, err = os.Open(path); err == nil {
				defer f.Close()
				rd = bufio.NewReader(f)
			}
		}
	}
}

func writeLine(w io.Writer, line []byte, o logOptions) error {
	l, err := parseCRI(line)
	if err != nil {
		return err
	}
	if !o.since.IsZero() && l.ts.Before(o.since) {
		return nil
	}
	var out []byte
	if o.timestamps {
		out = append(out, l.ts.UTC().Format(time.RFC3339Nano)...)
		out = append(out, ' ')
	}
	out = append(out, l.content...)
	if !l.partial {
		out = append(out, '\n')
	}
	_, err = w.Write(out)
	return err
}

// seekTail positions f at the start of its last n lines.
func seekTail(f *os.File, n int64) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	size := info.Size()
	if n == 0 {
		_, err := f.Seek(size, io.SeekStart)
		return err
	}
	const block = 4096
	var found int64
	pos := size
	buf := make([]byte, block)
	skipLastNewline := true
	for pos > 0 {
		readAt := max(pos-block, 0)
		chunk := buf[:pos-readAt]
		if _, err := f.ReadAt(chunk, readAt); err != nil && err != io.EOF {
			return err
		}
		for i := len(chunk) - 1; i >= 0; i-- {
			if chunk[i] != '\n' {
				continue
			}
			if skipLastNewline && readAt+int64(i) == size-1 {
				skipLastNewline = false
				continue
			}
			found++
			if found == n {
				_, err := f.Seek(readAt+int64(i)+1, io.SeekStart)
				return err
			}
		}
		pos = readAt
	}
	_, err = f.Seek(0, io.SeekStart)
	return err
}
