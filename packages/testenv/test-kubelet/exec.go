package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/creack/pty"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"
)

// sandboxSpec is what the server hands a sandbox child: the container's effective behaviour and identity.
type sandboxSpec struct {
	Namespace string            `json:"namespace"`
	Pod       string            `json:"pod"`
	Container string            `json:"container"`
	Env       map[string]string `json:"env,omitempty"`
	Programs  map[string]string `json:"programs,omitempty"`
	TTY       bool              `json:"tty,omitempty"`
}

// ExecInContainer runs cmd in a sandbox child confined to the container's root directory. stdin EOF reaches the
// command, the exit code is returned as a utilexec.ExitError (so the client sees NonZeroExitCode), and the child's
// process group is killed when the client goes away.
func (k *kubelet) ExecInContainer(ctx context.Context, name, _ string, container string, cmd []string, in io.Reader, out, errOut io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize, _ time.Duration) error {
	ns, pod, b, err := k.resolve(name, container)
	if err != nil {
		return err
	}
	root := rootDir(k.containerDir(ns, pod, container))
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	spec, _ := json.Marshal(sandboxSpec{Namespace: ns, Pod: pod, Container: container, Env: b.Env, Programs: b.Programs, TTY: tty})
	c := exec.Command(k.self, append([]string{"sandbox", "--root=" + root, "--spec=" + string(spec), "--"}, cmd...)...)
	c.Dir = root
	c.Env = []string{"TMPDIR=" + root + "/tmp"} // nothing of the host's environment
	// Own process group, so that killing it takes everything with it; dies with the server even on SIGKILL.
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}

	var copies []chan struct{}
	copyDone := func(f func()) {
		done := make(chan struct{})
		copies = append(copies, done)
		go func() { defer close(done); f() }()
	}
	if tty {
		ptmx, slave, err := pty.Open()
		if err != nil {
			return err
		}
		defer ptmx.Close()
		c.Stdin, c.Stdout, c.Stderr = slave, slave, slave
		c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0, Pdeathsig: syscall.SIGKILL}
		if resize != nil {
			go func() {
				for size := range resize {
					_ = pty.Setsize(ptmx, &pty.Winsize{Rows: size.Height, Cols: size.Width})
				}
			}()
		}
		if err := k.start(c); err != nil {
			slave.Close()
			return err
		}
		slave.Close()
		if in != nil {
			go func() { _, _ = io.Copy(ptmx, in) }()
		}
		if out != nil {
			copyDone(func() { _, _ = io.Copy(out, ptmx) }) // ends with EIO once the last slave fd closes
		}
	} else {
		if in != nil {
			stdin, err := c.StdinPipe()
			if err != nil {
				return err
			}
			go func() {
				_, _ = io.Copy(stdin, in)
				_ = stdin.Close() // the command sees EOF when the client closes stdin
			}()
		}
		if out != nil {
			c.Stdout = out
		}
		if errOut != nil {
			c.Stderr = errOut
		}
		if err := k.start(c); err != nil {
			return err
		}
	}
	return k.wait(ctx, c, cmd, copies)
}

func (k *kubelet) start(c *exec.Cmd) error {
	if err := c.Start(); err != nil {
		return err
	}
	k.track(c.Process.Pid)
	return nil
}

// wait waits for the child, killing its process group if ctx ends first (the client went away).
func (k *kubelet) wait(ctx context.Context, c *exec.Cmd, cmd []string, copies []chan struct{}) error {
	pid := c.Process.Pid
	defer k.untrack(pid)
	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	var err error
	select {
	case err = <-exited:
	case <-ctx.Done():
		log.Printf("client of sandbox %d went away: killing its process group", pid)
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		err = <-exited
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL) // anything the command left behind in its group
	for _, done := range copies {
		select {
		case <-done:
		case <-time.After(2 * time.Second):
		}
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code := exitErr.ExitCode()
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal()) // as container runtimes report a signalled process
		}
		// containerd's wording, which kubectl and client libraries show after "command terminated with non-zero exit code: "
		return utilexec.CodeExitError{Err: fmt.Errorf("error executing command %v, exit code %d", cmd, code), Code: code}
	}
	return err
}
