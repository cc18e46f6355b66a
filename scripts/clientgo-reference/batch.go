// Batch mode: many requests of the default mode in one process (the kubeconfig fuzz test runs hundreds), each with
// its own environment and working directory, as the request mode would see them.
//
//	clientgo-reference -batch < cases.jsonl    # one {"request": {...}, "env": {...}, "cwd": "..."} per line
//
// Output: one JSON BatchResult per input line, in order: the request mode's Result plus what Go's own transport
// does with the request the wrappers built (which address it dials, or why it refuses to send it: an invalid
// header value, an unsupported scheme). A panic inside client-go is reported as the case's error.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/homedir"
)

func init() { modes["-batch"] = batchMain }

type batchCase struct {
	Request request           `json:"request"`
	Env     map[string]string `json:"env"`
	Cwd     string            `json:"cwd"`
}

// BatchResult is Result plus the outcome of sending the recorded request through a real http.Transport.
type BatchResult struct {
	Result
	Dial         string  `json:"dial"`         // host:port the transport dials (no proxy), "" if it does not get there
	RequestError *string `json:"requestError"` // why the transport refuses the request before dialing
}

var errDialed = errors.New("dial recorded")

// transportCheck sends the request the wrappers produced (URL, Authorization, Impersonate-*) through Go's
// transport with a dialer that records the address and fails.
func transportCheck(res Result) (dial string, requestErr *string) {
	// A certificate and key given as files are paired only in the TLS handshake (transport.cachingCertificateLoader),
	// which the API server, asking for a client certificate, makes happen on the first request.
	if res.Cert != "" || res.Key != "" {
		if _, err := tls.X509KeyPair([]byte(res.Cert), []byte(res.Key)); err != nil {
			msg := "client certificate for the TLS handshake: " + err.Error()
			return "", &msg
		}
	}
	req, err := http.NewRequest(http.MethodGet, res.RequestURL, nil)
	if err != nil {
		msg := err.Error()
		return "", &msg
	}
	if res.Authorization != "" {
		req.Header.Set("Authorization", res.Authorization)
	}
	for _, h := range res.Impersonate {
		name, value, _ := strings.Cut(h, ": ")
		req.Header.Add(name, value)
	}
	record := func(_ context.Context, _, addr string) (net.Conn, error) {
		dial = addr
		return nil, errDialed
	}
	t := &http.Transport{DialContext: record, DialTLSContext: record}
	defer t.CloseIdleConnections()
	if _, err := t.RoundTrip(req); err != nil && !errors.Is(err, errDialed) {
		msg := err.Error()
		return dial, &msg
	}
	// The dialer itself refuses a port beyond 65535 (net.Dial: "invalid port").
	if _, port, err := net.SplitHostPort(dial); err == nil {
		if _, err := net.LookupPort("tcp", port); err != nil {
			msg := "dial tcp " + dial + ": " + err.Error()
			return dial, &msg
		}
	}
	return dial, nil
}

func runCase(c batchCase) (out BatchResult) {
	defer func() {
		if p := recover(); p != nil {
			msg := fmt.Sprintf("panic: %v", p)
			out.Error = &msg
		}
	}()
	out.Result = runRequest(c)
	if out.Error == nil {
		out.Dial, out.RequestError = transportCheck(out.Result)
	}
	return out
}

func runRequest(c batchCase) (res Result) {
	defer func() {
		if p := recover(); p != nil {
			msg := fmt.Sprintf("panic: %v", p)
			res.Error = &msg
		}
	}()
	os.Clearenv()
	for k, v := range c.Env {
		os.Setenv(k, v)
	}
	// clientcmd computes these from $HOME once, when the process starts; do it again for this case's HOME.
	clientcmd.RecommendedConfigDir = filepath.Join(homedir.HomeDir(), clientcmd.RecommendedHomeDir)
	clientcmd.RecommendedHomeFile = filepath.Join(clientcmd.RecommendedConfigDir, clientcmd.RecommendedFileName)
	clientcmd.RecommendedSchemaFile = filepath.Join(clientcmd.RecommendedConfigDir, clientcmd.RecommendedSchemaName)
	if c.Cwd != "" {
		if err := os.Chdir(c.Cwd); err != nil {
			msg := err.Error()
			return Result{Impersonate: []string{}, Error: &msg}
		}
	}
	res, err := run(c.Request)
	if err != nil {
		msg := err.Error()
		res.Error = &msg
	}
	return res
}

func batchMain(args []string) int {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var c batchCase
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			fmt.Fprintln(os.Stderr, "bad request line:", err)
			return 2
		}
		if err := out.Encode(runCase(c)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}
