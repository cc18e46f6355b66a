package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/cri-streaming/pkg/streaming/portforward"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
)

type kubelet struct {
	layout
	self string // this binary, started as `sandbox` for exec

	mu       sync.Mutex
	children map[int]struct{} // sandbox process groups still running
}

func serve(args []string) int {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	listen := fl.String("listen", "", "address to listen on (must be loopback), e.g. 127.0.0.1:10250")
	dir := fl.String("dir", "", "behaviour and container state directory")
	certFile := fl.String("tls-cert-file", "", "serving certificate (PEM)")
	keyFile := fl.String("tls-private-key-file", "", "serving key (PEM)")
	caFile := fl.String("client-ca-file", "", "CA that signs the client certificates accepted (kube-apiserver's kubelet client)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	for name, v := range map[string]string{"listen": *listen, "dir": *dir, "tls-cert-file": *certFile, "tls-private-key-file": *keyFile, "client-ca-file": *caFile} {
		if v == "" {
			log.Printf("--%s is required", name)
			return 2
		}
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		log.Printf("--listen=%s: must be a loopback address with a port", *listen)
		return 2
	}
	self, err := os.Executable()
	if err != nil {
		log.Printf("cannot find own executable: %v", err)
		return 1
	}
	caPEM, err := os.ReadFile(*caFile)
	if err != nil {
		log.Printf("--client-ca-file: %v", err)
		return 1
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		log.Printf("--client-ca-file=%s: no PEM certificate", *caFile)
		return 1
	}
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Printf("serving certificate: %v", err)
		return 1
	}

	k := &kubelet{layout: layout{dir: *dir}, self: self, children: map[int]struct{}{}}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Printf("listen: %v", err)
		return 1
	}
	// Like the kubelet's x509 authentication: only clients with a certificate from the cluster CA get in.
	tlsLn := tls.NewListener(ln, &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"}, // SPDY and WebSocket upgrades need HTTP/1.1
	})
	srv := &http.Server{Handler: k.routes(), ReadHeaderTimeout: 30 * time.Second, ErrorLog: log.Default()}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(tlsLn) }()
	log.Printf("test-kubelet serving on https://%s (dir %s)", *listen, *dir)
	select {
	case sig := <-stop:
		log.Printf("%v: killing %d sandbox process group(s) and exiting", sig, k.running())
	case err := <-done:
		log.Printf("serve: %v", err)
	}
	k.killAll()
	_ = srv.Close()
	return 0
}

func (k *kubelet) track(pid int)   { k.mu.Lock(); k.children[pid] = struct{}{}; k.mu.Unlock() }
func (k *kubelet) untrack(pid int) { k.mu.Lock(); delete(k.children, pid); k.mu.Unlock() }
func (k *kubelet) running() int    { k.mu.Lock(); defer k.mu.Unlock(); return len(k.children) }

// killAll kills every sandbox's process group and waits (a little) until they are reaped, so that none outlives
// the server even as a zombie.
func (k *kubelet) killAll() {
	k.mu.Lock()
	for pid := range k.children {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
	k.mu.Unlock()
	for deadline := time.Now().Add(3 * time.Second); k.running() > 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

// routes serves the kubelet paths kube-apiserver uses, with and without the pod UID segment.
func (k *kubelet) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("GET /containerLogs/{ns}/{pod}/{container}", k.containerLogs)
	exec, attach, portForward := streamingHandler(true, k.exec), streamingHandler(true, k.attach), streamingHandler(false, k.portForward)
	for _, method := range []string{"GET", "POST"} {
		mux.HandleFunc(method+" /exec/{ns}/{pod}/{container}", exec)
		mux.HandleFunc(method+" /exec/{ns}/{pod}/{uid}/{container}", exec)
		mux.HandleFunc(method+" /attach/{ns}/{pod}/{container}", attach)
		mux.HandleFunc(method+" /attach/{ns}/{pod}/{uid}/{container}", attach)
		mux.HandleFunc(method+" /portForward/{ns}/{pod}", portForward)
		mux.HandleFunc(method+" /portForward/{ns}/{pod}/{uid}", portForward)
	}
	return logRequests(mux)
}

func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.Printf("%s %s", r.Method, r.URL.RequestURI())
		next.ServeHTTP(w, r)
	})
}

func names(r *http.Request, withContainer bool) (ns, pod, container string, err error) {
	ns, pod = r.PathValue("ns"), r.PathValue("pod")
	if withContainer {
		container = r.PathValue("container")
		return ns, pod, container, checkNames(ns, pod, container)
	}
	return ns, pod, "", checkNames(ns, pod)
}

const (
	idleTimeout           = 4 * time.Hour // as the kubelet's default --streaming-connection-idle-timeout
	streamCreationTimeout = remotecommand.DefaultStreamCreationTimeout
)

// streamingHandler checks the names in the path, then hands the request to serve with a context that ends when
// the client goes away. Errors before the upgrade are plain 400s, as the kubelet's.
func streamingHandler(withContainer bool, serve func(w http.ResponseWriter, r *http.Request, pod, container string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ns, pod, container, err := names(r, withContainer)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w, r, cancel := cancelOnDisconnect(w, r)
		defer cancel()
		if err := serve(w, r, ns+"/"+pod, container); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	}
}

func (k *kubelet) exec(w http.ResponseWriter, r *http.Request, pod, container string) error {
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		return err
	}
	cmd := r.URL.Query()["command"]
	if len(cmd) == 0 {
		return errors.New("missing command")
	}
	remotecommand.ServeExec(w, r, k, pod, r.PathValue("uid"), container, cmd, opts, idleTimeout, streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
	return nil
}

func (k *kubelet) attach(w http.ResponseWriter, r *http.Request, pod, container string) error {
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		return err
	}
	remotecommand.ServeAttach(w, r, k, pod, r.PathValue("uid"), container, opts, idleTimeout, streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
	return nil
}

func (k *kubelet) portForward(w http.ResponseWriter, r *http.Request, pod, _ string) error {
	opts, err := portforward.NewV4Options(r)
	if err != nil {
		return err
	}
	portforward.ServePortForward(w, r, k, pod, r.PathValue("uid"), opts, idleTimeout, streamCreationTimeout, portforward.SupportedProtocols)
	return nil
}

// resolve splits cri-streaming's "NS/POD" and reads the effective behaviour of the container ("" for the pod).
func (k *kubelet) resolve(name, container string) (ns, pod string, b Behaviour, err error) {
	ns, pod, ok := strings.Cut(name, "/")
	if !ok {
		return "", "", b, fmt.Errorf("invalid pod name %q", name)
	}
	b, err = k.behaviour(ns, pod, container)
	return ns, pod, b, err
}

// cancelOnDisconnect gives the request a context that ends when the upgraded (hijacked) connection is closed or
// fails to read: after a hijack, net/http no longer notices the client going away, and a command must not outlive
// its client.
func cancelOnDisconnect(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request, context.CancelFunc) {
	ctx, cancel := context.WithCancel(r.Context())
	hj, ok := w.(http.Hijacker)
	if !ok {
		return w, r.WithContext(ctx), cancel
	}
	return &hijackWatcher{ResponseWriter: w, hijacker: hj, cancel: cancel}, r.WithContext(ctx), cancel
}

type hijackWatcher struct {
	http.ResponseWriter
	hijacker http.Hijacker
	cancel   context.CancelFunc
}

func (h *hijackWatcher) Flush() {
	if f, ok := h.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (h *hijackWatcher) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := h.hijacker.Hijack()
	if err != nil {
		return nil, nil, err
	}
	wc := &watchedConn{Conn: conn, cancel: h.cancel}
	// The buffered reader may hold bytes already read from conn; keep it, but read the rest through wc.
	rw.Reader = bufio.NewReaderSize(readerOf{rw.Reader, wc}, 4096)
	return wc, rw, nil
}

// readerOf drains what net/http had buffered, then reads from the watched connection.
type readerOf struct {
	buffered *bufio.Reader
	conn     *watchedConn
}

func (r readerOf) Read(p []byte) (int, error) {
	if r.buffered.Buffered() > 0 {
		return r.buffered.Read(p)
	}
	return r.conn.Read(p)
}

type watchedConn struct {
	net.Conn
	cancel context.CancelFunc
}

func (c *watchedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		c.cancel()
	}
	return n, err
}

func (c *watchedConn) Close() error {
	c.cancel()
	return c.Conn.Close()
}
