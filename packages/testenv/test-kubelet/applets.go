package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"
)

// call is one invocation of a built-in program.
type call struct {
	args []string
	dir  string // the working directory as the command sees it
	io   stdio
	env  []string
}

func (c call) fail(format string, a ...any) int {
	fmt.Fprintf(c.io.err, "%s: %s\n", c.args[0], fmt.Sprintf(format, a...))
	return 1
}

// The built-in programs, beside the shell's builtins (echo, printf, test/[, read, cd, pwd, true, false, exit, ...).
// Enough for kubectl exec/cp and for scripting pods; nothing else can run.
var applets map[string]func(context.Context, *box, call) int

func init() {
	applets = map[string]func(context.Context, *box, call) int{
		"sh":       shApplet,
		"bash":     shApplet,
		"cat":      catApplet,
		"head":     headApplet,
		"wc":       wcApplet,
		"sleep":    sleepApplet,
		"ls":       lsApplet,
		"mkdir":    mkdirApplet,
		"rm":       rmApplet,
		"env":      envApplet,
		"hostname": func(_ context.Context, s *box, c call) int { fmt.Fprintln(c.io.out, s.spec.Pod); return 0 },
		"tty":      ttyApplet,
		"stty":     sttyApplet,
		"tar":      tarApplet,
	}
}

func appletNames() []string { return slices.Sorted(maps.Keys(applets)) }

func shApplet(ctx context.Context, s *box, c call) int {
	args := c.args[1:]
	for len(args) > 0 && (args[0] == "-e" || args[0] == "-x" || args[0] == "-i" || args[0] == "-l") {
		args = args[1:]
	}
	if len(args) >= 2 && args[0] == "-c" {
		return s.runScript(ctx, args[1], args[min(3, len(args)):], c.io, c.env)
	}
	if len(args) >= 1 && args[0] != "-" && args[0] != "-s" {
		data, err := s.root.ReadFile(s.rel(c.dir, args[0]))
		if err != nil {
			return c.fail("%v", err)
		}
		return s.runScript(ctx, string(data), args[1:], c.io, c.env)
	}
	return s.interactive(ctx, c.io, c.env)
}

// inputs yields stdin ("-" or no files) or each named file, confined to the root.
func (s *box) inputs(c call, files []string, each func(name string, r io.Reader) error) int {
	if len(files) == 0 {
		files = []string{"-"}
	}
	code := 0
	for _, name := range files {
		var r io.Reader = c.io.in
		if name != "-" {
			f, err := s.root.Open(s.rel(c.dir, name))
			if err != nil {
				code = c.fail("%s: No such file or directory", name)
				continue
			}
			r = f
			defer f.Close()
		}
		if err := each(name, r); err != nil {
			return c.fail("%v", err)
		}
	}
	return code
}

func catApplet(_ context.Context, s *box, c call) int {
	return s.inputs(c, c.args[1:], func(_ string, r io.Reader) error { _, err := io.Copy(c.io.out, r); return err })
}

func headApplet(_ context.Context, s *box, c call) int {
	n, files := 10, c.args[1:]
	if len(files) >= 2 && files[0] == "-n" {
		v, err := strconv.Atoi(files[1])
		if err != nil {
			return c.fail("invalid number of lines: %q", files[1])
		}
		n, files = v, files[2:]
	}
	return s.inputs(c, files, func(_ string, r io.Reader) error {
		br := bufio.NewReader(r)
		for i := 0; i < n; i++ {
			line, err := br.ReadBytes('\n')
			if _, werr := c.io.out.Write(line); werr != nil {
				return werr
			}
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func wcApplet(_ context.Context, s *box, c call) int {
	flags, files := "", []string{}
	for _, a := range c.args[1:] {
		if strings.HasPrefix(a, "-") && a != "-" {
			flags += a[1:]
		} else {
			files = append(files, a)
		}
	}
	if flags == "" {
		flags = "lwc"
	}
	return s.inputs(c, files, func(name string, r io.Reader) error {
		data, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		var parts []string
		for _, f := range "lwc" {
			if !strings.ContainsRune(flags, f) {
				continue
			}
			switch f {
			case 'l':
				parts = append(parts, strconv.Itoa(bytes.Count(data, []byte("\n"))))
			case 'w':
				parts = append(parts, strconv.Itoa(len(bytes.Fields(data))))
			case 'c':
				parts = append(parts, strconv.Itoa(len(data)))
			}
		}
		if name != "-" {
			parts = append(parts, name)
		}
		_, err = fmt.Fprintln(c.io.out, strings.Join(parts, " "))
		return err
	})
}

func sleepApplet(ctx context.Context, _ *box, c call) int {
	if len(c.args) != 2 {
		return c.fail("usage: sleep SECONDS")
	}
	secs, err := strconv.ParseFloat(c.args[1], 64)
	if err != nil || secs < 0 {
		return c.fail("invalid time interval %q", c.args[1])
	}
	select {
	case <-time.After(time.Duration(secs * float64(time.Second))):
		return 0
	case <-ctx.Done():
		return 130
	}
}

func lsApplet(_ context.Context, s *box, c call) int {
	all, paths := false, []string{}
	for _, a := range c.args[1:] {
		switch {
		case a == "-a" || a == "-A" || a == "-1a" || a == "-a1":
			all = true
		case strings.HasPrefix(a, "-"):
		default:
			paths = append(paths, a)
		}
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	code := 0
	for _, p := range paths {
		info, err := s.root.Stat(s.rel(c.dir, p))
		if err != nil {
			code = c.fail("cannot access '%s': No such file or directory", p)
			continue
		}
		if !info.IsDir() {
			fmt.Fprintln(c.io.out, p)
			continue
		}
		entries, err := fs.ReadDir(s.root.FS(), s.rel(c.dir, p))
		if err != nil {
			code = c.fail("%v", err)
			continue
		}
		for _, e := range entries {
			if all || !strings.HasPrefix(e.Name(), ".") {
				fmt.Fprintln(c.io.out, e.Name())
			}
		}
	}
	return code
}

func mkdirApplet(_ context.Context, s *box, c call) int {
	parents, code := false, 0
	for _, a := range c.args[1:] {
		if a == "-p" {
			parents = true
			continue
		}
		var err error
		if parents {
			err = s.root.MkdirAll(s.rel(c.dir, a), 0o755)
		} else {
			err = s.root.Mkdir(s.rel(c.dir, a), 0o755)
		}
		if err != nil {
			code = c.fail("cannot create directory '%s': %v", a, unwrapPathError(err))
		}
	}
	return code
}

func rmApplet(_ context.Context, s *box, c call) int {
	recursive, force, code := false, false, 0
	for _, a := range c.args[1:] {
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			recursive = recursive || strings.ContainsAny(a, "rR")
			force = force || strings.Contains(a, "f")
			continue
		}
		rel := s.rel(c.dir, a)
		if rel == "." {
			code = c.fail("refusing to remove '/'")
			continue
		}
		var err error
		if recursive {
			err = s.root.RemoveAll(rel)
		} else {
			err = s.root.Remove(rel)
		}
		if err != nil && !(force && errors.Is(err, fs.ErrNotExist)) {
			code = c.fail("cannot remove '%s': %v", a, unwrapPathError(err))
		}
	}
	return code
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func envApplet(_ context.Context, _ *box, c call) int {
	for _, kv := range c.env {
		fmt.Fprintln(c.io.out, kv)
	}
	return 0
}

func terminalFd(r any) (int, bool) {
	f, ok := r.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0, false
	}
	return int(f.Fd()), true
}

func ttyApplet(_ context.Context, _ *box, c call) int {
	fd, ok := terminalFd(c.io.in)
	if !ok {
		fmt.Fprintln(c.io.out, "not a tty")
		return 1
	}
	name, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	if err != nil {
		return c.fail("%v", err)
	}
	fmt.Fprintln(c.io.out, name)
	return 0
}

// stty knows `stty size` (rows and columns, as the last resize set them); other settings are accepted and ignored.
func sttyApplet(_ context.Context, _ *box, c call) int {
	fd, ok := terminalFd(c.io.in)
	if !ok {
		return c.fail("'standard input': Inappropriate ioctl for device")
	}
	if len(c.args) == 2 && c.args[1] == "size" {
		cols, rows, err := term.GetSize(fd)
		if err != nil {
			return c.fail("%v", err)
		}
		fmt.Fprintf(c.io.out, "%d %d\n", rows, cols)
	}
	return 0
}

// tar: create (c), extract (x) or list (t), with f (archive; "-" is stdin/stdout), C (directory), m and v; options
// bundled ("cf", "-xmf") or apart. Enough for `kubectl cp` both ways.
func tarApplet(_ context.Context, s *box, c call) int {
	var mode byte
	archive, dir, verbose := "-", c.dir, false
	var members []string
	args := c.args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		if i > 0 && !strings.HasPrefix(a, "-") {
			members = append(members, a)
			continue
		}
		if a == "--" {
			members = append(members, args[i+1:]...)
			break
		}
		for _, f := range strings.TrimLeft(a, "-") {
			switch f {
			case 'c', 'x', 't':
				mode = byte(f)
			case 'f', 'C':
				if i+1 >= len(args) {
					return c.fail("option %c needs an argument", f)
				}
				i++
				if f == 'f' {
					archive = args[i]
				} else {
					dir = path.Join(c.dir, args[i])
				}
			case 'v':
				verbose = true
			case 'm', 'p', 'o':
			default:
				return c.fail("unsupported option %q", f)
			}
		}
	}
	switch mode {
	case 'c':
		out := c.io.out
		if archive != "-" {
			f, err := s.root.Create(s.rel(c.dir, archive))
			if err != nil {
				return c.fail("%v", err)
			}
			defer f.Close()
			out = f
		}
		return s.tarCreate(c, dir, members, out, verbose)
	case 'x', 't':
		in := c.io.in
		if archive != "-" {
			f, err := s.root.Open(s.rel(c.dir, archive))
			if err != nil {
				return c.fail("%v", err)
			}
			defer f.Close()
			in = f
		}
		return s.tarRead(c, dir, in, mode == 't', verbose)
	}
	return c.fail("you must specify one of the c, x or t options")
}

func (s *box) tarCreate(c call, dir string, members []string, out io.Writer, verbose bool) int {
	tw := tar.NewWriter(out)
	warned := false
	for _, m := range members {
		name := strings.TrimPrefix(path.Clean(m), "/")
		if name != path.Clean(m) && !warned {
			fmt.Fprintf(c.io.err, "tar: Removing leading `/' from member names\n")
			warned = true
		}
		base := s.rel(dir, m)
		err := fs.WalkDir(s.root.FS(), base, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			link := ""
			if d.Type()&fs.ModeSymlink != 0 {
				if link, err = s.root.Readlink(p); err != nil {
					return err
				}
			}
			hdr, err := tar.FileInfoHeader(info, link)
			if err != nil {
				return err
			}
			hdr.Name = path.Join(name, strings.TrimPrefix(strings.TrimPrefix(p, base), "/"))
			if d.IsDir() {
				hdr.Name += "/"
			}
			if verbose {
				fmt.Fprintln(c.io.err, hdr.Name)
			}
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			if info.Mode().IsRegular() {
				f, err := s.root.Open(p)
				if err != nil {
					return err
				}
				defer f.Close()
				_, err = io.Copy(tw, f)
				return err
			}
			return nil
		})
		if err != nil {
			return c.fail("%s: Cannot stat: %v", m, unwrapPathError(err))
		}
	}
	if err := tw.Close(); err != nil {
		return c.fail("%v", err)
	}
	return 0
}

func (s *box) tarRead(c call, dir string, in io.Reader, list, verbose bool) int {
	tr := tar.NewReader(in)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return 0
		}
		if err != nil {
			return c.fail("%v", err)
		}
		if list || verbose {
			w := c.io.out
			if !list {
				w = c.io.err
			}
			fmt.Fprintln(w, hdr.Name)
		}
		if list {
			continue
		}
		target := s.rel(dir, hdr.Name)
		if target == "." && hdr.Typeflag != tar.TypeDir {
			return c.fail("%s: refusing to overwrite the root", hdr.Name)
		}
		mode := fs.FileMode(hdr.Mode).Perm()
		switch hdr.Typeflag {
		case tar.TypeDir:
			err = s.root.MkdirAll(target, mode|0o700)
		case tar.TypeReg:
			if err = s.root.MkdirAll(path.Dir(target), 0o755); err == nil {
				var f *os.File
				if f, err = s.root.OpenFile(target, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode); err == nil {
					_, err = io.Copy(f, tr)
					if cerr := f.Close(); err == nil {
						err = cerr
					}
				}
			}
		case tar.TypeSymlink:
			if err = s.root.MkdirAll(path.Dir(target), 0o755); err == nil {
				err = s.root.Symlink(hdr.Linkname, target) // os.Root refuses to follow it out of the root later
			}
		default:
			fmt.Fprintf(c.io.err, "tar: %s: skipping entry of type %q\n", hdr.Name, hdr.Typeflag)
		}
		if err != nil {
			return c.fail("%s: Cannot create: %v", hdr.Name, unwrapPathError(err))
		}
	}
}
