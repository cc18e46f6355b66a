// Scenario "apply" for client-go: a burst of server-side applies (typed apply configurations, as client-go users
// write them) with `concurrency` in flight, without a client-side rate limit (controller-runtime's default, QPS -1)
// or with client-go's token bucket at `qps`/`burst`. Reports wall time and errors.
//
//	apply '{"kubeconfig": "...", "namespace": "ns", "prefix": "a0", "count": 2000, "concurrency": 50, "qps": 0, "burst": 0}'
package main

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1apply "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/org/k8s-sdk/scripts/bench/clientgo/internal/benchio"
)

type args struct {
	Kubeconfig  string  `json:"kubeconfig"`
	Namespace   string  `json:"namespace"`
	Prefix      string  `json:"prefix"`
	Count       int     `json:"count"`
	Concurrency int     `json:"concurrency"`
	QPS         float32 `json:"qps"`
	Burst       int     `json:"burst"`
	Bytes       int     `json:"bytes"`
}

func main() {
	var a args
	benchio.Args(&a)
	qps := a.QPS
	if qps == 0 {
		qps = -1 // no client-side limit
	}
	clientset, err := kubernetes.NewForConfig(benchio.Config(a.Kubeconfig, qps, a.Burst))
	if err != nil {
		benchio.Fail(err)
	}
	ctx := context.Background()
	// Open the connection first, so the burst measures the applies.
	if _, err := clientset.CoreV1().Namespaces().Get(ctx, a.Namespace, metav1.GetOptions{}); err != nil {
		benchio.Fail(err)
	}
	payload := make([]byte, a.Bytes)
	for i := range payload {
		payload[i] = 'x'
	}
	var next, errors atomic.Int64
	var firstError atomic.Value
	started := time.Now()
	var wg sync.WaitGroup
	for range min(a.Concurrency, a.Count) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= a.Count {
					return
				}
				name := a.Prefix + "-" + strconv.Itoa(i)
				cm := corev1apply.ConfigMap(name, a.Namespace).
					WithLabels(map[string]string{"app": "bench", "burst": a.Prefix}).
					WithData(map[string]string{"index": strconv.Itoa(i), "payload": string(payload)})
				if _, err := clientset.CoreV1().ConfigMaps(a.Namespace).Apply(ctx, cm, metav1.ApplyOptions{FieldManager: "bench", Force: true}); err != nil {
					errors.Add(1)
					firstError.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	wg.Wait()
	ms := benchio.Ms(time.Since(started))
	result := map[string]any{"count": a.Count, "errors": errors.Load(), "ms": ms, "perSec": float64(a.Count) / ms * 1000}
	if e := firstError.Load(); e != nil {
		result["firstError"] = e
	}
	benchio.Done(result)
}
