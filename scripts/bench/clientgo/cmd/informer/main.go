// Scenario "informer" for client-go: the initial sync of a Pod informer from a SharedInformerFactory (client-go's
// defaults: JSON, the WatchListClient streaming list on since 1.35), optionally with a transform that drops
// managedFields (controller-runtime's TransformStripManagedFields). Reports the time from factory.Start to synced,
// peak RSS, and RSS and live heap retained after a GC with the cache full.
//
//	informer '{"kubeconfig": "...", "namespace": "" (all namespaces) | "ns", "expect": 20000, "transform": false}'
package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/org/k8s-sdk/scripts/bench/clientgo/internal/benchio"
)

type args struct {
	Kubeconfig string `json:"kubeconfig"`
	Namespace  string `json:"namespace"`
	Expect     int    `json:"expect"`
	Transform  bool   `json:"transform"`
}

func stripManagedFields(in any) (any, error) {
	if object, err := meta.Accessor(in); err == nil && object.GetManagedFields() != nil {
		object.SetManagedFields(nil)
	}
	return in, nil
}

func main() {
	var a args
	benchio.Args(&a)
	clientset, err := kubernetes.NewForConfig(benchio.Config(a.Kubeconfig, -1, 0))
	if err != nil {
		benchio.Fail(err)
	}
	options := []informers.SharedInformerOption{}
	if a.Namespace != "" {
		options = append(options, informers.WithNamespace(a.Namespace))
	}
	if a.Transform {
		options = append(options, informers.WithTransform(stripManagedFields))
	}
	factory := informers.NewSharedInformerFactoryWithOptions(clientset, 0, options...)
	informer := factory.Core().V1().Pods().Informer()
	var added atomic.Int64
	if _, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(any) { added.Add(1) }}); err != nil {
		benchio.Fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	started := time.Now()
	factory.Start(ctx.Done())
	for _, synced := range factory.WaitForCacheSync(ctx.Done()) {
		if !synced {
			benchio.Fail(fmt.Errorf("informer did not sync"))
		}
	}
	syncMs := benchio.Ms(time.Since(started))
	cached := len(informer.GetStore().List())
	if a.Expect > 0 && cached != a.Expect {
		benchio.Fail(fmt.Errorf("cache holds %d pods, expected %d", cached, a.Expect))
	}
	for added.Load() < int64(cached) && ctx.Err() == nil { // handlers run after the store is filled
		time.Sleep(time.Millisecond)
	}
	handlersMs := benchio.Ms(time.Since(started))
	peak := benchio.PeakRSSMiB()
	retained, heap := benchio.RetainedAfterGC()
	// The cache is still referenced here, so the GC cannot have dropped it.
	first, _ := informer.GetStore().List()[0].(*corev1.Pod)
	hasManagedFields := first != nil && len(first.ManagedFields) > 0
	cancel()
	factory.Shutdown()
	benchio.Done(map[string]any{
		"items":            cached,
		"added":            added.Load(),
		"syncMs":           syncMs,
		"handlersMs":       handlersMs,
		"peakAtSyncMiB":    peak,
		"retainedRssMiB":   retained,
		"retainedHeapMiB":  heap,
		"hasManagedFields": hasManagedFields,
	})
}
