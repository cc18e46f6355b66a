package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
)

// Behaviour is what a test scripts about pods: the cluster-wide file DIR/cluster.json, then each pod's
// DIR/pods/NS/POD/pod.json; within either, "containers" narrows a part to one container. Later layers win key by key.
type Behaviour struct {
	// Env is added to the environment of exec'd commands.
	Env map[string]string `json:"env,omitempty"`
	// Programs are extra commands for exec: name -> shell script (its arguments are "$@").
	Programs map[string]string `json:"programs,omitempty"`
	// PortForward maps a port ("8080", or "*" for any other) to "echo", "refuse" or a loopback "127.0.0.1:PORT".
	PortForward map[string]string `json:"portForward,omitempty"`
	// AttachEchoesStdin makes what an attached client writes appear in the container's log as stdout (like a
	// container running `cat`), and so in the attach output. Default true.
	AttachEchoesStdin *bool `json:"attachEchoesStdin,omitempty"`
	// Containers holds per-container overrides.
	Containers map[string]Behaviour `json:"containers,omitempty"`
}

func (b *Behaviour) merge(o Behaviour) {
	mergeMap := func(dst *map[string]string, src map[string]string) {
		if len(src) == 0 {
			return
		}
		if *dst == nil {
			*dst = map[string]string{}
		}
		maps.Copy(*dst, src)
	}
	mergeMap(&b.Env, o.Env)
	mergeMap(&b.Programs, o.Programs)
	mergeMap(&b.PortForward, o.PortForward)
	if o.AttachEchoesStdin != nil {
		b.AttachEchoesStdin = o.AttachEchoesStdin
	}
}

// nameRE accepts DNS-1123 names (namespaces, pods, containers): never "..", "/" or an empty path element.
var nameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`)

func checkNames(names ...string) error {
	for _, n := range names {
		if !nameRE.MatchString(n) || n == "." || n == ".." {
			return fmt.Errorf("invalid name %q", n)
		}
	}
	return nil
}

type layout struct{ dir string }

func (l layout) podDir(ns, pod string) string { return filepath.Join(l.dir, "pods", ns, pod) }

func (l layout) containerDir(ns, pod, container string) string {
	return filepath.Join(l.podDir(ns, pod), container)
}

func readBehaviour(path string) (Behaviour, error) {
	var b Behaviour
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return b, nil
	}
	if err != nil {
		return b, err
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return b, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// behaviour resolves the effective behaviour of one container: cluster, cluster container, pod, pod container.
func (l layout) behaviour(ns, pod, container string) (Behaviour, error) {
	var out Behaviour
	for _, path := range []string{filepath.Join(l.dir, "cluster.json"), filepath.Join(l.podDir(ns, pod), "pod.json")} {
		b, err := readBehaviour(path)
		if err != nil {
			return out, err
		}
		out.merge(b)
		if container != "" {
			out.merge(b.Containers[container])
		}
	}
	return out, nil
}
