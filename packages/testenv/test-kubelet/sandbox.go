package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/term"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// sandbox runs one exec'd command. It never starts a host program: the command is a shell builtin, a built-in
// program (applets below), or one of the behaviour's scripted programs, and every file it touches is resolved
// inside --root (absolute paths included) through os.Root, which also refuses symlinks that lead out.
func sandbox(args []string) int {
	fl := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	rootPath := fl.String("root", "", "the container's root directory")
	specJSON := fl.String("spec", "{}", "sandboxSpec as JSON")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	argv := fl.Args()
	var spec sandboxSpec
	if err := json.Unmarshal([]byte(*specJSON), &spec); err != nil || *rootPath == "" || len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "test-kubelet sandbox: need --root, a valid --spec and a command")
		return 2
	}
	_ = os.MkdirAll(filepath.Join(*rootPath, "tmp"), 0o1777) // the interpreter's temporary files stay inside
	root, err := os.OpenRoot(*rootPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "HOSTNAME=" + spec.Pod}
	if spec.TTY {
		env = append(env, "TERM=xterm")
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Env)) {
		env = append(env, k+"="+spec.Env[k])
	}
	s := &box{root: root, hostRoot: filepath.Clean(*rootPath), spec: spec, env: env}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer stop()
	quoted := make([]string, len(argv))
	for i, a := range argv {
		q, err := syntax.Quote(a, syntax.LangBash)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: cannot run this argument: %v\n", argv[0], err)
			return 126
		}
		quoted[i] = q
	}
	return s.runScript(ctx, strings.Join(quoted, " "), nil, stdio{os.Stdin, os.Stdout, os.Stderr}, env)
}

type stdio struct {
	in       io.Reader
	out, err io.Writer
}

type box struct {
	root     *os.Root
	hostRoot string
	spec     sandboxSpec
	env      []string
}

// rel maps a path as the command sees it (absolute from the container's "/") to a path relative to the root.
func (s *box) rel(dir, p string) string {
	if !path.IsAbs(p) {
		p = path.Join(dir, p)
	}
	p = path.Clean(p)
	if p == s.hostRoot || strings.HasPrefix(p, s.hostRoot+"/") { // the interpreter's own start directory
		p = "/" + strings.TrimPrefix(strings.TrimPrefix(p, s.hostRoot), "/")
	}
	if p == "/" {
		return "."
	}
	return strings.TrimPrefix(p, "/")
}

func exitCode(err error, stderr io.Writer) int {
	var status interp.ExitStatus
	switch {
	case err == nil:
		return 0
	case errors.As(err, &status):
		return int(status)
	default:
		fmt.Fprintln(stderr, err)
		return 1
	}
}

// runScript runs a shell script (from -c, a scripted program, or the quoted argv) with positional params.
func (s *box) runScript(ctx context.Context, script string, params []string, io stdio, env []string) int {
	file, err := syntax.NewParser().Parse(strings.NewReader(script), "")
	if err != nil {
		fmt.Fprintf(io.err, "sh: %v\n", err)
		return 2
	}
	r, err := s.runner(io, env, params)
	if err != nil {
		fmt.Fprintln(io.err, err)
		return 1
	}
	return exitCode(r.Run(ctx, file), io.err)
}

// interactive reads commands from stdin as sh does with no -c: with prompts when stdin is a terminal.
func (s *box) interactive(ctx context.Context, io stdio, env []string) int {
	r, err := s.runner(io, env, nil)
	if err != nil {
		fmt.Fprintln(io.err, err)
		return 1
	}
	f, isFile := io.in.(*os.File)
	tty := isFile && term.IsTerminal(int(f.Fd()))
	prompt := func() {
		if tty {
			fmt.Fprint(io.out, "# ")
		}
	}
	prompt()
	var last error
	parseErr := syntax.NewParser().Interactive(io.in, func(stmts []*syntax.Stmt) bool {
		for _, st := range stmts {
			last = r.Run(ctx, st)
			if r.Exited() {
				return false
			}
		}
		prompt()
		return ctx.Err() == nil
	})
	if parseErr != nil {
		fmt.Fprintf(io.err, "sh: %v\n", parseErr)
		return 2
	}
	return exitCode(last, io.err)
}

func (s *box) runner(io stdio, env []string, params []string) (*interp.Runner, error) {
	opts := []interp.RunnerOption{
		interp.StdIO(io.in, io.out, io.err),
		interp.Env(expand.ListEnviron(env...)),
		interp.Dir(s.hostRoot),
		interp.ExecHandlers(s.execHandler),
		interp.OpenHandler(s.open),
		interp.StatHandler(func(_ context.Context, name string, follow bool) (fs.FileInfo, error) {
			if follow {
				return s.root.Stat(s.rel("/", name))
			}
			return s.root.Lstat(s.rel("/", name))
		}),
		interp.ReadDirHandler2(func(_ context.Context, name string) ([]fs.DirEntry, error) {
			return fs.ReadDir(s.root.FS(), s.rel("/", name))
		}),
		interp.AccessHandler(func(_ context.Context, name string, mode interp.AccessMode) error {
			_, err := s.root.Stat(s.rel("/", name))
			return err
		}),
	}
	if params != nil {
		opts = append(opts, interp.Params(append([]string{"--"}, params...)...))
	}
	r, err := interp.New(opts...)
	if err != nil {
		return nil, err
	}
	r.Dir = "/" // what the command sees; every handler maps it into the root
	return r, nil
}

func (s *box) open(ctx context.Context, name string, flag int, perm os.FileMode) (io.ReadWriteCloser, error) {
	switch name {
	case "/dev/null", "/dev/stdin", "/dev/stdout", "/dev/stderr":
		hc := interp.HandlerCtx(ctx)
		switch name {
		case "/dev/stdin":
			return readOnly{hc.Stdin}, nil
		case "/dev/stdout":
			return writeOnly{hc.Stdout}, nil
		case "/dev/stderr":
			return writeOnly{hc.Stderr}, nil
		}
		return os.OpenFile(os.DevNull, flag, perm)
	}
	return s.root.OpenFile(s.rel("/", name), flag, perm)
}

type readOnly struct{ io.Reader }

func (readOnly) Write([]byte) (int, error) { return 0, errors.New("read-only") }
func (readOnly) Close() error              { return nil }

type writeOnly struct{ io.Writer }

func (writeOnly) Read([]byte) (int, error) { return 0, io.EOF }
func (writeOnly) Close() error             { return nil }

func (s *box) execHandler(next interp.ExecHandlerFunc) interp.ExecHandlerFunc {
	return func(ctx context.Context, args []string) error {
		hc := interp.HandlerCtx(ctx)
		io := stdio{hc.Stdin, hc.Stdout, hc.Stderr}
		var env []string
		for name, v := range hc.Env.Each {
			if v.Exported && v.IsSet() {
				env = append(env, name+"="+v.String())
			}
		}
		slices.Sort(env)
		if script, ok := s.spec.Programs[args[0]]; ok {
			return exit(s.runScript(ctx, script, args[1:], io, env))
		}
		if applet, ok := applets[path.Base(args[0])]; ok {
			return exit(applet(ctx, s, call{args: args, dir: hc.Dir, io: io, env: env}))
		}
		fmt.Fprintf(hc.Stderr, "%s: command not found (test-kubelet runs only its built-in programs: %s)\n", args[0], strings.Join(appletNames(), " "))
		return interp.ExitStatus(127)
	}
}

func exit(code int) error {
	if code == 0 {
		return nil
	}
	return interp.ExitStatus(uint8(code))
}
