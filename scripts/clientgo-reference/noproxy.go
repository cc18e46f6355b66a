// The "noproxy" mode of clientgo-reference: which proxy client-go's transport uses for a URL, from the process
// environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY and their lower-case forms, REQUEST_METHOD), decided by the real
// code: net/http's ProxyFromEnvironment wrapped by apimachinery's SetTransportDefaults (NewProxierWithNoProxyCIDR),
// exactly as client-go's transport cache builds it (transport/cache.go).
//
//	clientgo-reference noproxy <url>
//
// Prints one JSON object: {"proxy": "<scheme>://<host>" | null, "error": "<message>" | null}. ProxyFromEnvironment
// reads the environment once per process, so each case is its own process.
//
// Kept in its own file with its own mode (selected in init, before main) so that it merges cleanly with changes to
// main.go.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	utilnet "k8s.io/apimachinery/pkg/util/net"
)

type noProxyResult struct {
	Proxy *string `json:"proxy"`
	Error *string `json:"error"`
}

func init() {
	if len(os.Args) < 2 || os.Args[1] != "noproxy" {
		return
	}
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: clientgo-reference noproxy <url>")
		os.Exit(2)
	}
	os.Exit(runNoProxy(os.Args[2]))
}

func runNoProxy(target string) int {
	// What client-go's tlsTransportCache.get does with a config that sets no Proxy.
	transport := utilnet.SetTransportDefaults(&http.Transport{Proxy: http.ProxyFromEnvironment})
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad url:", err)
		return 2
	}
	var res noProxyResult
	proxy, err := transport.Proxy(req)
	if err != nil {
		msg := err.Error()
		res.Error = &msg
	} else if proxy != nil {
		text := proxy.Scheme + "://" + proxy.Host
		res.Proxy = &text
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}
