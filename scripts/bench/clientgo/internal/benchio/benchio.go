// Package benchio is what the client-go benchmark programs share with the Node scenarios: one JSON argument in,
// one JSON result line out (with the process's peak RSS), and the process figures (RSS, CPU time, open sockets)
// read the same way for every client.
package benchio

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Args decodes the scenario's JSON argument (os.Args[1]) into v.
func Args(v any) {
	if len(os.Args) < 2 {
		Fail(fmt.Errorf("usage: %s '<json args>'", os.Args[0]))
	}
	if err := json.Unmarshal([]byte(os.Args[1]), v); err != nil {
		Fail(fmt.Errorf("bad arguments: %w", err))
	}
}

// Config loads the kubeconfig as client-go users do. qps < 0 disables the client-side rate limiter (what
// controller-runtime sets when the config has none); 0 keeps client-go's default (5 QPS, burst 10).
func Config(kubeconfig string, qps float32, burst int) *rest.Config {
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		Fail(err)
	}
	config.QPS = qps
	config.Burst = burst
	return config
}

// Done prints the result line with the peak RSS and exits.
func Done(result map[string]any) {
	result["client"] = "clientgo"
	result["peakRssMiB"] = PeakRSSMiB()
	line, err := json.Marshal(result)
	if err != nil {
		Fail(err)
	}
	fmt.Println(string(line))
	os.Exit(0)
}

// Fail prints the error and exits non-zero.
func Fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// PeakRSSMiB is the process's peak resident set (getrusage's ru_maxrss, as Node's resourceUsage().maxRSS).
func PeakRSSMiB() float64 {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	return float64(usage.Maxrss) / 1024
}

// CPUTime is the process's user + system CPU time so far.
func CPUTime() time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

// RSSMiB is the current resident set (VmRSS of /proc/self/status).
func RSSMiB() float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kib / 1024
		}
	}
	return 0
}

// RetainedAfterGC collects garbage, returns freed memory to the OS and reports the resident set and the live heap.
func RetainedAfterGC() (rssMiB, heapMiB float64) {
	runtime.GC()
	debug.FreeOSMemory()
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return RSSMiB(), float64(stats.HeapAlloc) / (1 << 20)
}

// OpenSockets counts this process's open sockets (file descriptors that are sockets).
func OpenSockets() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	count := 0
	for _, entry := range entries {
		if target, err := os.Readlink("/proc/self/fd/" + entry.Name()); err == nil && strings.HasPrefix(target, "socket:") {
			count++
		}
	}
	return count
}

// Ms is a duration in milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
