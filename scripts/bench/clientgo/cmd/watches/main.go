// Scenario "watches" for client-go: one watch of ConfigMaps per namespace (client-go multiplexes them over one
// HTTP/2 connection with health-check pings), then a writer in another process creates objects across the
// namespaces; each object carries the time its create was sent, so the delivery delay needs no shared state.
// Reports sockets open, RSS, CPU time (from opening the watches to the last delivery) and the delays.
//
//	watches '{"kubeconfig": "...", "namespaces": ["a", ...], "prefix": "w0", "expect": 2000,
//	          "writer": ["node", "writer.mjs", "<json>"]}'
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/org/k8s-sdk/scripts/bench/clientgo/internal/benchio"
)

type args struct {
	Kubeconfig string   `json:"kubeconfig"`
	Namespaces []string `json:"namespaces"`
	Prefix     string   `json:"prefix"`
	Expect     int      `json:"expect"`
	Writer     []string `json:"writer"`
}

// SentAtAnnotation holds the writer's clock (µs since the epoch) when it sent the create.
const SentAtAnnotation = "bench.k8s-sdk/sent-at-us"

func main() {
	var a args
	benchio.Args(&a)
	clientset, err := kubernetes.NewForConfig(benchio.Config(a.Kubeconfig, -1, 0))
	if err != nil {
		benchio.Fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	list, err := clientset.CoreV1().ConfigMaps("").List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		benchio.Fail(err)
	}
	rv := list.ResourceVersion

	var mu sync.Mutex
	delays := make([]float64, 0, a.Expect)
	all := make(chan struct{})
	deliver := func(event watch.Event) {
		if event.Type != watch.Added {
			return
		}
		cm, ok := event.Object.(*corev1.ConfigMap)
		if !ok || !strings.HasPrefix(cm.Name, a.Prefix+"-") {
			return
		}
		now := float64(time.Now().UnixNano()) / 1e3
		sent, err := strconv.ParseFloat(cm.Annotations[SentAtAnnotation], 64)
		if err != nil {
			return
		}
		mu.Lock()
		delays = append(delays, (now-sent)/1e3)
		if len(delays) == a.Expect {
			close(all)
		}
		mu.Unlock()
	}

	cpu0 := benchio.CPUTime()
	opened := time.Now()
	var wg sync.WaitGroup
	watchers := make([]watch.Interface, len(a.Namespaces))
	errs := make(chan error, len(a.Namespaces))
	for i, namespace := range a.Namespaces {
		wg.Go(func() {
			w, err := clientset.CoreV1().ConfigMaps(namespace).Watch(ctx, metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true})
			if err != nil {
				errs <- err
				return
			}
			watchers[i] = w
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		benchio.Fail(err)
	}
	openMs := benchio.Ms(time.Since(opened))
	for _, w := range watchers {
		go func() {
			for event := range w.ResultChan() {
				deliver(event)
			}
		}()
	}

	writer := exec.Command(a.Writer[0], a.Writer[1:]...)
	writer.Stderr = os.Stderr
	written := time.Now()
	if err := writer.Start(); err != nil {
		benchio.Fail(err)
	}
	select {
	case <-all:
	case <-ctx.Done():
		benchio.Fail(fmt.Errorf("only %d of %d events arrived", len(delays), a.Expect))
	}
	deliveredMs := benchio.Ms(time.Since(written))
	cpuMs := benchio.Ms(benchio.CPUTime() - cpu0)
	sockets := benchio.OpenSockets()
	rss := benchio.RSSMiB()
	if err := writer.Wait(); err != nil {
		benchio.Fail(fmt.Errorf("writer: %w", err))
	}
	for _, w := range watchers {
		w.Stop()
	}
	mu.Lock()
	sort.Float64s(delays)
	benchio.Done(map[string]any{
		"watches":       len(a.Namespaces),
		"writes":        len(delays),
		"openMs":        openMs,
		"deliveredMs":   deliveredMs,
		"cpuMs":         cpuMs,
		"sockets":       sockets,
		"rssMiB":        rss,
		"delayMedianMs": delays[len(delays)/2],
		"delayP99Ms":    delays[len(delays)*99/100],
	})
}
